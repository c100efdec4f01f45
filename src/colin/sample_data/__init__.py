"""Real market data bundled with Colin (see ``ATTRIBUTION.md``); read it through
:func:`colin.persistence.catalog.sample_catalog`."""
