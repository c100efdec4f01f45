"""Parameter optimisation building blocks: search spaces, objectives, walk-forward windows, studies.

The orchestration that runs backtests lives in :mod:`colin.node.optimize`.
"""
