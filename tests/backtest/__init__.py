"""Tests of colin.backtest."""
