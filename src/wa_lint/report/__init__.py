"""Report: findings with their fixes and evidence, suppressions, baseline, fingerprints, and the output formats."""
