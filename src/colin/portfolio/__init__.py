"""Accounts, balances, positions and PnL."""

from colin.portfolio.portfolio import Portfolio

__all__ = ["Portfolio"]
