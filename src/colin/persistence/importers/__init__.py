"""Importers for market-data files: freqtrade, CSV exports, LEAN, Tardis and Binance captures."""

from colin.persistence.importers.detect import FileFormat, NameHints, detect_format, name_hints
from colin.persistence.importers.importer import (
    ImportResult,
    check_file,
    import_file,
    infer_timeframe,
)

__all__ = [
    "FileFormat",
    "ImportResult",
    "NameHints",
    "check_file",
    "detect_format",
    "import_file",
    "infer_timeframe",
    "name_hints",
]
