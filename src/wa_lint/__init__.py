"""wa-lint: a Well-Architected linter for serverless Python on AWS."""

__version__ = "0.1.0"
