"""Benchmarks: our pages against a hand-written baseline, measured in the same run.

Run ``python -m bench`` from the repository root (``make bench``). A benchmark prints ratios
against a baseline timed in the same process; it never asserts on time.
"""
