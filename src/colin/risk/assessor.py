"""Assess one new order: validity, trading state, then every configured limit.

Phase one makes sure the order can be valued at all (known instrument, well-formed numbers, a
price to value it at) and stops at the first failure. Phase two runs every configured limit and
collects all failures, so a denial names every limit the order breaks. With
``resize_to_limits`` an order that only breaks limits with room left is shrunk to fit and checked
again.

The checks an order meets are planned once per instrument (:class:`~colin.risk.spec.SpecCache`):
a limit that is not configured is never built, a check that cannot concern the instrument (a
restricted list that does not name it, a cash check on a perpetual) is left out of its plan,
and an order that can only reduce a position skips the checks marked ``only_adding``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from itertools import repeat
from operator import call

from colin.cache.cache import CacheFacade
from colin.cache.portfolio_facade import PortfolioFacade
from colin.model.enums import OrderSide, TradingState
from colin.model.orders import Order
from colin.risk.checks import (
    Breach,
    CashCheck,
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
from colin.risk.spec import InstrumentSpec, SpecCache

_BUY = OrderSide.BUY
_HALTED = TradingState.HALTED
_REDUCING = TradingState.REDUCING

CheckFunction = Callable[[OrderContext], Breach | None]


class Assessment:
    """The outcome of assessing one order: its breaches, context and any modification."""

    __slots__ = ("breaches", "context", "modifications")

    def __init__(
        self,
        breaches: list[Breach],
        context: OrderContext | None = None,
        modifications: tuple[Modification, ...] = (),
    ) -> None:
        self.breaches = breaches
        self.context = context
        self.modifications = modifications


class OrderAssessor:
    """Build the configured checks once, plan them per instrument and run them on orders."""

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
        self._resize = config.resize_to_limits
        self.max_quantity = (
            None if config.max_order_quantity is None else Decimal(repr(config.max_order_quantity))
        )
        # a tuple: the fused path reads the limits once and must see every check there is
        self.checks: tuple[PreTradeCheck, ...] = tuple(
            self._build(config, cache, portfolio, ledger, book, tradable)
        )
        self.price_checks: tuple[CheckFunction, ...] = tuple(
            c.check for c in self.checks if isinstance(c, PriceBandCheck | SelfTradeCheck)
        )
        self.reads_marks = any(getattr(c, "reads_marks", False) for c in self.checks)
        self.specs = SpecCache(self._plan)
        self._specs = self.specs.by_id

    @staticmethod
    def _build(
        config: RiskConfig,
        cache: CacheFacade,
        portfolio: PortfolioFacade,
        ledger: OpenOrderLedger,
        book: ExposureBook,
        tradable: TradableCheck,
    ) -> list[PreTradeCheck]:
        warn = config.warn_utilisation
        checks: list[PreTradeCheck] = [tradable, ReduceOnlyCheck()]
        if config.restricted:
            checks.append(RestrictedCheck(config.restricted))
        if config.trading_hours is not None:
            checks.append(TradingHoursCheck(config.trading_hours))
        if config.max_data_age_s is not None:
            checks.append(StaleDataCheck(cache, config.max_data_age_s))
        if config.price_band_pct is not None:
            checks.append(PriceBandCheck(config.price_band_pct))
        checks.append(NotionalCheck(config.min_order_notional, config.max_order_notional, warn))
        if (
            config.max_open_orders_per_symbol is not None
            or config.max_open_orders_total is not None
        ):
            checks.append(
                OpenOrdersCheck(
                    ledger, config.max_open_orders_per_symbol, config.max_open_orders_total, warn
                )
            )
        if config.self_trade_prevention:
            checks.append(SelfTradeCheck())
        if config.max_position_notional is not None or config.max_position_pct_equity is not None:
            checks.append(
                PositionLimitCheck(
                    ledger, config.max_position_notional, config.max_position_pct_equity, warn
                )
            )
        if config.max_gross_exposure is not None:
            checks.append(GrossExposureCheck(book, ledger, config.max_gross_exposure, warn))
        if config.max_net_exposure is not None:
            checks.append(NetExposureCheck(book, ledger, config.max_net_exposure, warn))
        if config.max_leverage is not None:
            checks.append(LeverageCheck(book, ledger, config.max_leverage, warn))
        if config.max_var is not None:
            checks.append(VarLimitCheck(book, config.max_var, config.var_level, warn))
        if config.check_margin:
            checks.append(CashCheck(portfolio, ledger, warn))
            checks.append(MarginCheck(book, ledger, config.perp_leverage, warn))
        return checks

    def _plan(self, spec: InstrumentSpec) -> None:
        """Fill in which checks an order in this instrument meets (as bound methods)."""
        checks = [
            c
            for c in self.checks
            if getattr(c, "applies", None) is None or c.applies(spec)  # type: ignore[attr-defined]
        ]
        spec.adding = tuple(c.check for c in checks)
        spec.reducing = tuple(c.check for c in checks if not getattr(c, "only_adding", False))
        spec.restricted = any(isinstance(c, RestrictedCheck) for c in checks)

    @property
    def var_limit(self) -> VarLimitCheck | None:
        """The VaR limit check, when ``max_var`` is configured."""
        return next((c for c in self.checks if isinstance(c, VarLimitCheck)), None)

    def assess(
        self, order: Order, now: int, state: TradingState, allow_resize: bool = True
    ) -> Assessment:
        """Run both phases (and the resize, if configured and allowed) on a new order."""
        instrument_id = order.instrument_id
        instrument = self._cache.instrument(instrument_id)
        if instrument is None:
            return Assessment(
                [Breach("unknown_instrument", f"unknown instrument {instrument_id!r}")]
            )
        spec = self._specs.get(instrument_id)
        if spec is None or spec.instrument is not instrument:
            spec = self.specs.get(instrument)
        breach = validate_order(order, spec, self.max_quantity)
        if breach is not None:
            return Assessment([breach])
        if state is _HALTED:
            return Assessment([Breach("trading_state", "trading is HALTED")])
        reference = self._cache.last_price(instrument_id)
        if reference is not None and not reference > 0.0:  # NaN or non-positive mark
            reference = None
        own_decimal = order.price
        if own_decimal is None:
            own_decimal = order.trigger_price
        if own_decimal is None:
            if reference is None:
                return Assessment(
                    [
                        Breach(
                            "no_reference_price",
                            f"no last price for {instrument_id} to value "
                            f"a {order.order_type.value} order",
                        )
                    ]
                )
            own = None
            price = reference
        else:
            # validated values are in the spec's memo; another value may have evicted it
            own = spec.prices.get(own_decimal)
            if own is None:
                own = float(own_decimal)
            price = reference if reference is not None and reference > own else own
        quantity = spec.quantities.get(order.quantity)
        if quantity is None:
            quantity = float(order.quantity)
        ctx = OrderContext(
            order,
            spec,
            order.side is _BUY,
            quantity,
            own,
            price,
            reference,
            self._book.quantity.get(instrument_id, 0.0),
            self._ledger.by_instrument.get(instrument_id),
            self._book.equity,
            now,
        )
        return self.finish(ctx, state, allow_resize)

    def finish(
        self, ctx: OrderContext, state: TradingState, allow_resize: bool = True
    ) -> Assessment:
        """Run phase two (and the resize) on the context of a valid order that can be valued."""
        if state is _REDUCING and not ctx.reduces:
            return Assessment(
                [
                    Breach(
                        "trading_state",
                        "trading is REDUCING: only orders that reduce a position pass",
                    )
                ],
                ctx,
            )
        breaches = self.run(ctx)
        if breaches and allow_resize and self._resize:
            return self._resized(ctx.order, ctx, breaches)
        return Assessment(breaches, ctx)

    def context(
        self,
        order: Order,
        spec: InstrumentSpec,
        quantity: float,
        own_price: float | None,
        price: float,
        reference: float | None,
        now: int,
    ) -> OrderContext:
        """Build the per-order context the checks read (``price`` is the valuation price)."""
        instrument_id = order.instrument_id
        return OrderContext(
            order,
            spec,
            order.side is _BUY,
            quantity,
            own_price,
            price,
            reference,
            self._book.quantity.get(instrument_id, 0.0),
            self._ledger.by_instrument.get(instrument_id),
            self._book.equity,
            now,
        )

    @staticmethod
    def run(ctx: OrderContext, checks: tuple[CheckFunction, ...] | None = None) -> list[Breach]:
        """Run ``checks`` (by default the order's plan) and return every breach."""
        if checks is None:
            checks = ctx.spec.reducing if ctx.reduces else ctx.spec.adding
        # map() calls the checks in C: a Python loop over a dozen checks costs as much as the
        # checks themselves. A breach is truthy, a pass is None.
        results = list(map(call, checks, repeat(ctx)))
        return [b for b in results if b is not None] if any(results) else []

    def _resized(self, order: Order, ctx: OrderContext, breaches: list[Breach]) -> Assessment:
        denied = Assessment(breaches, ctx)
        if any(b.allowed is None for b in breaches):
            return denied
        allowed = min(b.allowed for b in breaches if b.allowed is not None)
        instrument = ctx.spec.instrument
        quantity = instrument.round_quantity(Decimal(repr(allowed)))
        if quantity <= 0 or quantity < instrument.min_quantity or quantity >= order.quantity:
            return denied
        original = order.quantity
        order.quantity = quantity
        resized = self.context(
            order, ctx.spec, float(quantity), ctx.own_price, ctx.price, ctx.reference_price, ctx.now
        )
        if self.run(resized):
            order.quantity = original
            return denied
        reason = "resized to fit " + ", ".join(b.code for b in breaches)
        modification = Modification("quantity", str(original), str(quantity), reason)
        return Assessment([], resized, (modification,))
