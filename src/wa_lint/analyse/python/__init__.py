"""Reading handler code: decoding, guarded parsing, per-file facts, handler resolution."""
