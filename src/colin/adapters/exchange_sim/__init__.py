"""A local Binance exchange simulator (spot and USD-M) that the unmodified ccxt client trades
against on 127.0.0.1: real HTTP and WebSocket, Binance's JSON, signatures, weights and errors,
matching by :class:`~colin.matching.SimulatedVenue`, market replayed from recorded data.

See ``docs/exchange-sim.md``.
"""

from colin.adapters.exchange_sim.errors import BinanceError
from colin.adapters.exchange_sim.exchange import SimExchange
from colin.adapters.exchange_sim.faults import FaultRule
from colin.adapters.exchange_sim.market import SimMarketData
from colin.adapters.exchange_sim.server import ExchangeSimulator

__all__ = ["BinanceError", "ExchangeSimulator", "FaultRule", "SimExchange", "SimMarketData"]
