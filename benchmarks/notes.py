"""Findings from development that the benchmark does not recompute (kept with their figures)."""

DEVELOPMENT_NOTES = """
(filled in below)
"""
