"""Venue clients over ccxt: capabilities as data, symbols, decoders, rate limiting, REST backfill,
streaming market data and (in ``execution_client``) order entry.

This package is the only code in Colin that sees a ccxt dict: everything it hands out is a Colin
domain object (``Bar``, ``TradeTick``, ``BookSnapshot``, ...) or a frame in catalog schema.
Modules are imported directly (``from colin.adapters.ccxt.backfill import Backfiller``) so that
importing one part does not load ccxt's async machinery for another.
"""
