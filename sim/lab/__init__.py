"""The experiment layer: experiment files, paired comparisons, sweeps, Morris and Sobol analysis,
calibration; a SQLite run ledger that resumes; serial, process-pool and Dask executors.

Imports one way only: model <- lab <- cli. See docs/experiments.md and docs/architecture.md.
"""
