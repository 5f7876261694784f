"""Applying the fixes findings carry (`--fix`, `--diff`) and building the ones for handler code."""
