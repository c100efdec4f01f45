"""Market data: the data engine, quality checks and aggregation."""
