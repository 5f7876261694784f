"""Analyse: per-file code facts from the stdlib parser, in worker processes, with the facts cache."""
