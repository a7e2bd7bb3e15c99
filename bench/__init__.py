"""Benchmarks: each ``bench_*.py`` module reports ratios against a baseline from the same run."""
