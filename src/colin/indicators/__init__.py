"""The feature library: streaming indicators with batch twins that give the same numbers.

Modules: ``moving_averages``, ``momentum``, ``trend``, ``channels``, ``volume`` (technical set);
``volatility``, ``statistics``, ``complexity`` (volatility and statistics); ``structure``
(market structure), ``sessions`` (sessions and killzones), ``derivatives``; ``orderflow`` (books
and trades); ``features`` (declarative feature sets). See ``docs/indicators.md``.
"""
