"""Rebuild the sample catalog shipped in ``src/colin/sample_data`` from the shared data folder.

Usage: ``python scripts/build_sample_data.py /path/to/shared/data``. The sources and their
licences are listed in ``src/colin/sample_data/ATTRIBUTION.md``.
"""

from __future__ import annotations

import shutil
import sys
from decimal import Decimal
from pathlib import Path

from colin.adapters.binance_capture import iter_capture
from colin.core.ids import InstrumentId
from colin.model.instrument import Instrument
from colin.persistence.catalog import ParquetCatalog, sample_catalog_path
from colin.persistence.importers import import_file

CANDLES = (
    "ohlcv/binance_spot_2024__genetrader/BTC_USDT-1h.feather",
    "ohlcv/binance_spot_2024__genetrader/BTC_USDT-15m.feather",
    "ohlcv/binance_spot_2024__genetrader/ETH_USDT-1h.feather",
    "ohlcv/binance_spot_2024__genetrader/ETH_USDT-15m.feather",
    "ohlcv/binance_spot_btc_2017-2024__nic/BTC_USDT-1m.feather",
)
CAPTURE = Path(__file__).resolve().parents[1] / (
    "src/colin/sample_data/captures/binance_spot_btcusdt_20240808.gz"
)
INSTRUMENTS = (
    Instrument(
        id=InstrumentId("BTC/USDT.BINANCE"),
        base="BTC",
        quote="USDT",
        tick_size=Decimal("0.01"),
        lot_size=Decimal("0.00001"),
        min_quantity=Decimal("0.00001"),
        max_quantity=Decimal("9000"),
        min_notional=Decimal("5"),
        maker_fee=Decimal("0.001"),
        taker_fee=Decimal("0.001"),
    ),
    Instrument(
        id=InstrumentId("ETH/USDT.BINANCE"),
        base="ETH",
        quote="USDT",
        tick_size=Decimal("0.01"),
        lot_size=Decimal("0.0001"),
        min_quantity=Decimal("0.0001"),
        max_quantity=Decimal("9000"),
        min_notional=Decimal("5"),
        maker_fee=Decimal("0.001"),
        taker_fee=Decimal("0.001"),
    ),
)


def main(shared: Path) -> None:
    """Rebuild the sample catalog from ``shared``."""
    target = sample_catalog_path()
    shutil.rmtree(target, ignore_errors=True)
    catalog = ParquetCatalog(target)
    catalog.write_instruments(INSTRUMENTS)
    for relative in CANDLES:
        result = import_file(catalog, shared / relative)
        print(relative, [(key.describe(), rows) for key, rows in result.written])
    result = import_file(
        catalog,
        CAPTURE,
        instrument_id="BTC/USDT.BINANCE",
        capture_reader=iter_capture,
    )
    print(CAPTURE.name, [(key.describe(), rows) for key, rows in result.written])


if __name__ == "__main__":
    main(Path(sys.argv[1]))
