"""Exports (issue 8, item 4): lists as .xlsx, recommendation letters and evaluation results as PDF."""
