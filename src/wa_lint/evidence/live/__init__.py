"""Live evidence (`--aws`): the deployed stack and its CloudWatch measurements, read-only.

boto3 is imported only inside this package, and only when `--aws` or `wa-lint tune` asks for the
account; `measurements.py` and `samconfig.py` import nothing heavy so the rest of the linter can name
the types.
"""
