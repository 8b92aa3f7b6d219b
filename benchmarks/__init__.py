"""Benchmarks of the integration's hot paths, run by scripts/bench."""
