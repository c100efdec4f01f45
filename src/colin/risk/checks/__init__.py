"""Pre-trade checks, one concept per module; each returns a :class:`Breach` or ``None``."""

from colin.risk.checks.base import Breach, OrderContext, PreTradeCheck
from colin.risk.checks.compliance import RestrictedCheck, TradingHoursCheck
from colin.risk.checks.exposure import GrossExposureCheck, LeverageCheck, NetExposureCheck
from colin.risk.checks.margin import CashCheck, MarginCheck
from colin.risk.checks.market_data import StaleDataCheck
from colin.risk.checks.notional import NotionalCheck
from colin.risk.checks.open_orders import OpenOrdersCheck
from colin.risk.checks.position import PositionLimitCheck
from colin.risk.checks.price_band import PriceBandCheck
from colin.risk.checks.reduce_only import ReduceOnlyCheck
from colin.risk.checks.self_trade import SelfTradeCheck
from colin.risk.checks.throttle import RateThrottle
from colin.risk.checks.tradable import TradableCheck
from colin.risk.checks.validity import validate_order
from colin.risk.checks.var_limit import VarLimitCheck

__all__ = [
    "Breach",
    "CashCheck",
    "GrossExposureCheck",
    "LeverageCheck",
    "MarginCheck",
    "NetExposureCheck",
    "NotionalCheck",
    "OpenOrdersCheck",
    "OrderContext",
    "PositionLimitCheck",
    "PreTradeCheck",
    "PriceBandCheck",
    "RateThrottle",
    "ReduceOnlyCheck",
    "RestrictedCheck",
    "SelfTradeCheck",
    "StaleDataCheck",
    "TradableCheck",
    "TradingHoursCheck",
    "VarLimitCheck",
    "validate_order",
]
