"""The editor server: `wa-lint server` speaks the Language Server Protocol over standard input/output."""
