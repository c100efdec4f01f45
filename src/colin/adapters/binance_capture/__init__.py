"""Decoder for raw Binance websocket / REST depth JSON and recorded captures of it.

This package is the only code in Colin that knows Binance's market-data wire format.
"""

from colin.adapters.binance_capture.decoder import (
    BinanceCaptureDecoder,
    MarketEvent,
    venue_symbol_for,
)
from colin.adapters.binance_capture.reader import CaptureStats, iter_capture, local_time_to_ns
from colin.adapters.binance_capture.sync import BinanceBookSync, BookSyncStats

__all__ = [
    "BinanceBookSync",
    "BinanceCaptureDecoder",
    "BookSyncStats",
    "CaptureStats",
    "MarketEvent",
    "iter_capture",
    "local_time_to_ns",
    "venue_symbol_for",
]
