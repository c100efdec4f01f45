"""Portfolio risk analytics: VaR/CVaR, GARCH volatility, correlation, liquidation and stress."""
