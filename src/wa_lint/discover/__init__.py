"""Discover: walk the paths given, honour .gitignore and excludes, classify templates and Python files."""
