"""Shared machinery of the experiments: context, point store, training, plots, report."""
