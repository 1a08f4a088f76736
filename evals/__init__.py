"""Regression Q&A evals: datasets, deterministic metrics, reports and the baseline gate."""
