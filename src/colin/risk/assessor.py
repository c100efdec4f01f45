"""The order assessor: runs the configured checks on an order without side effects.

Phase one makes sure the order can be valued at all (known instrument, well-formed numbers, a
price to value it at) and stops at the first failure. Phase two runs every configured limit and
collects all failures, so a denial names every limit the order breaks. With
``resize_to_limits`` an order that only breaks limits with room left is shrunk to fit and checked
again.
"""

from __future__ import annotations

from decimal import Decimal

from colin.cache.cache import CacheFacade
from colin.cache.portfolio_facade import PortfolioFacade
from colin.model.enums import OrderSide, TradingState
from colin.model.instrument import Instrument
from colin.model.orders import Order
from colin.risk.checks import (
    Breach,
    GrossExposureCheck,
    LeverageCheck,
    MarginCheck,
    NetExposureCheck,
    NotionalCheck,
    OpenOrdersCheck,
    OrderContext,
    PositionLimitCheck,
    PreTradeCheck,
    PriceBandCheck,
    ReduceOnlyCheck,
    RestrictedCheck,
    SelfTradeCheck,
    StaleDataCheck,
    TradableCheck,
    TradingHoursCheck,
    VarLimitCheck,
    validate_order,
)
from colin.risk.config import RiskConfig
from colin.risk.decision import Modification
from colin.risk.exposure import ExposureBook
from colin.risk.ledger import OpenOrderLedger
from colin.risk.spec import SpecCache

_BUY = OrderSide.BUY
_HALTED = TradingState.HALTED
_REDUCING = TradingState.REDUCING


class Assessment:
    """The outcome of assessing one order."""

    __slots__ = ("breaches", "context", "instrument", "modifications", "price")

    def __init__(
        self,
        breaches: list[Breach],
        context: OrderContext | None = None,
        instrument: Instrument | None = None,
        price: float = 0.0,
        modifications: tuple[Modification, ...] = (),
    ) -> None:
        self.breaches = breaches
        self.context = context
        self.instrument = instrument
        self.price = price
        self.modifications = modifications


class OrderAssessor:
    """Build the configured checks once and run them on orders."""

    def __init__(
        self,
        config: RiskConfig,
        cache: CacheFacade,
        portfolio: PortfolioFacade,
        ledger: OpenOrderLedger,
        book: ExposureBook,
        tradable: TradableCheck,
    ) -> None:
        self.config = config
        self._cache = cache
        self._ledger = ledger
        self._book = book
        self.specs = SpecCache()
        self.max_quantity = (
            None if config.max_order_quantity is None else Decimal(repr(config.max_order_quantity))
        )
        self.checks: list[PreTradeCheck] = self._build(config, cache, portfolio, book, tradable)
        self.reducing_checks: list[PreTradeCheck] = [
            c for c in self.checks if not getattr(c, "only_adding", False)
        ]
        self.price_checks: list[PreTradeCheck] = [
            c for c in self.checks if isinstance(c, PriceBandCheck | SelfTradeCheck)
        ]

    @staticmethod
    def _build(
        config: RiskConfig,
        cache: CacheFacade,
        portfolio: PortfolioFacade,
        book: ExposureBook,
        tradable: TradableCheck,
    ) -> list[PreTradeCheck]:
        checks: list[PreTradeCheck] = [tradable, ReduceOnlyCheck()]
        if config.restricted:
            checks.append(RestrictedCheck(config.restricted))
        if config.trading_hours is not None:
            checks.append(TradingHoursCheck(config.trading_hours))
        if config.max_data_age_s is not None:
            checks.append(StaleDataCheck(cache, config.max_data_age_s))
        if config.price_band_pct is not None:
            checks.append(PriceBandCheck(config.price_band_pct))
        checks.append(NotionalCheck(config.min_order_notional, config.max_order_notional))
        if (
            config.max_open_orders_per_symbol is not None
            or config.max_open_orders_total is not None
        ):
            checks.append(
                OpenOrdersCheck(config.max_open_orders_per_symbol, config.max_open_orders_total)
            )
        if config.self_trade_prevention:
            checks.append(SelfTradeCheck())
        if config.max_position_notional is not None or config.max_position_pct_equity is not None:
            checks.append(
                PositionLimitCheck(config.max_position_notional, config.max_position_pct_equity)
            )
        if config.max_gross_exposure is not None:
            checks.append(GrossExposureCheck(book, config.max_gross_exposure))
        if config.max_net_exposure is not None:
            checks.append(NetExposureCheck(book, config.max_net_exposure))
        if config.max_leverage is not None:
            checks.append(LeverageCheck(book, config.max_leverage))
        if config.max_var is not None:
            checks.append(VarLimitCheck(book, config.max_var, config.var_level))
        if config.check_margin:
            checks.append(MarginCheck(portfolio, book, config.perp_leverage))
        return checks

    @property
    def var_limit(self) -> VarLimitCheck | None:
        """The VaR limit check, when ``max_var`` is configured."""
        return next((c for c in self.checks if isinstance(c, VarLimitCheck)), None)

    def assess(
        self, order: Order, now: int, state: TradingState, allow_resize: bool = True
    ) -> Assessment:
        """Run both phases (and the resize, if configured and allowed) on a new order."""
        instrument = self._cache.instrument(order.instrument_id)
        if instrument is None:
            return Assessment(
                [Breach("unknown_instrument", f"unknown instrument {order.instrument_id!r}")]
            )
        breach = validate_order(order, instrument, self.max_quantity)
        if breach is not None:
            return Assessment([breach], instrument=instrument)
        if state is _HALTED:
            return Assessment([Breach("trading_state", "trading is HALTED")], instrument=instrument)
        reference = self._cache.last_price(order.instrument_id)
        if reference is not None and not reference > 0.0:  # NaN or non-positive mark
            reference = None
        own_decimal = order.price if order.price is not None else order.trigger_price
        if own_decimal is None and reference is None:
            return Assessment(
                [
                    Breach(
                        "no_reference_price",
                        f"no last price for {order.instrument_id} to value "
                        f"a {order.order_type.value} order",
                    )
                ],
                instrument=instrument,
            )
        own = float(own_decimal) if own_decimal is not None else None
        if own is None:
            price = reference if reference is not None else 0.0  # reference is known here
        else:
            price = reference if reference is not None and reference > own else own
        ctx = self.context(order, instrument, float(order.quantity), own, price, reference, now)
        if state is _REDUCING and not ctx.reduces:
            return Assessment(
                [
                    Breach(
                        "trading_state",
                        "trading is REDUCING: only orders that reduce a position pass",
                    )
                ],
                ctx,
                instrument,
                price,
            )
        breaches = []
        for check in self.reducing_checks if ctx.reduces else self.checks:
            breach = check.check(ctx)
            if breach is not None:
                breaches.append(breach)
        if breaches and allow_resize and self.config.resize_to_limits:
            return self._resize(order, instrument, price, reference, now, breaches, ctx)
        return Assessment(breaches, ctx, instrument, price)

    def context(
        self,
        order: Order,
        instrument: Instrument,
        quantity: float,
        own_price: float | None,
        price: float,
        reference: float | None,
        now: int,
    ) -> OrderContext:
        """Build the per-order context the checks read (``price`` is the valuation price)."""
        return OrderContext(
            order,
            self.specs.get(instrument),
            order.side is _BUY,
            quantity,
            own_price,
            price,
            reference,
            self._book.position(order.instrument_id),
            self._ledger,
            self._book.equity,
            now,
            self.config.warn_utilisation,
        )

    @staticmethod
    def run(ctx: OrderContext, checks: list[PreTradeCheck]) -> list[Breach]:
        """Run ``checks`` and return every breach."""
        breaches = []
        for check in checks:
            breach = check.check(ctx)
            if breach is not None:
                breaches.append(breach)
        return breaches

    def _resize(
        self,
        order: Order,
        instrument: Instrument,
        price: float,
        reference: float | None,
        now: int,
        breaches: list[Breach],
        ctx: OrderContext,
    ) -> Assessment:
        denied = Assessment(breaches, ctx, instrument, price)
        if any(b.allowed is None for b in breaches):
            return denied
        allowed = min(b.allowed for b in breaches if b.allowed is not None)
        quantity = instrument.round_quantity(Decimal(repr(allowed)))
        if quantity <= 0 or quantity < instrument.min_quantity or quantity >= order.quantity:
            return denied
        original = order.quantity
        order.quantity = quantity
        resized = self.context(
            order, instrument, float(quantity), ctx.own_price, price, reference, now
        )
        again = self.run(resized, self.checks)
        if again:
            order.quantity = original
            return denied
        reason = "resized to fit " + ", ".join(b.code for b in breaches)
        modification = Modification("quantity", str(original), str(quantity), reason)
        return Assessment([], resized, instrument, price, (modification,))
