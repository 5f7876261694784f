"""Evidence: what was measured rather than read (AWS Lambda Power Tuning results, the deployed stack and its metrics)."""
