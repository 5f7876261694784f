"""Load: every file read once (the source store), templates parsed into position-carrying nodes."""
