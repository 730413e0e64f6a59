"""The experiment layer: replications, paired comparison with confidence intervals, executors.

Imports one way only: model <- lab <- cli.
"""
