"""In-memory state and the read-only views strategies and the risk engine get."""

from colin.cache.cache import Cache, CacheFacade
from colin.cache.portfolio_facade import PortfolioFacade

__all__ = ["Cache", "CacheFacade", "PortfolioFacade"]
