"""The fused fast path: the whole pre-trade check set in one pass, for an order that passes it.

Most orders pass every check without coming near a limit. For them the general path (an
:class:`~colin.risk.checks.OrderContext`, one call per planned check, a list of results) costs
more than the arithmetic of the checks. :class:`FusedChecks` evaluates the same formulas, in
the same float operations, straight from local variables, and **approves** the order (with the
limit utilisation the general path would have found) when every check passes with every limit
used below ``warn_utilisation``. It never denies and never warns. When a check is in the way (a
limit at or beyond the warning level, a halted or blocked instrument, stale data, the price band,
a self-trade, REDUCING...) it hands the order's context to the general checks, which decide and
word the reasons exactly as always, without validating and valuing the order a second time.
Anything else (a duplicate, a stop order, a quantity the validation memo has not seen, a
malformed price, no price to value the order at, HALTED, an exception of any kind) sends the
order down the whole general path; a new limit price is checked by the general validator here
(a strategy quoting a moving market sends one with almost every order). So no decision depends
on the path that took it (``tests/risk/test_fused.py`` plays random orders, fills, prices and
states on twin nodes, with and without the fused path). Nothing is written before the verdict
but the trading-hours check's cache of the current stretch of the week and the memo's new valid
price (neither changes any verdict).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from colin.cache.cache import CacheFacade
from colin.cache.portfolio_facade import PortfolioFacade
from colin.core.ids import ClientOrderId
from colin.model.enums import OrderSide, OrderStatus, OrderType, TimeInForce, TradingState
from colin.model.orders import Order
from colin.risk.checks import OrderContext, PreTradeCheck
from colin.risk.checks.validity import check_price
from colin.risk.exposure import ExposureBook
from colin.risk.fused_limits import FusedLimits
from colin.risk.ledger import InstrumentOrders, OpenOrderLedger
from colin.risk.spec import InstrumentSpec, SpecCache

_BUY = OrderSide.BUY
_SELL = OrderSide.SELL
_LIMIT = OrderType.LIMIT
_MARKET = OrderType.MARKET
_INITIALIZED = OrderStatus.INITIALIZED
_ACTIVE = TradingState.ACTIVE
_REDUCING = TradingState.REDUCING
_NO_ORDERS = InstrumentOrders()
_INF = float("inf")
_new_approval = tuple.__new__


class FastApproval(NamedTuple):
    """What the engine needs of an order the fast path approved (ledger entry and score)."""

    spec: InstrumentSpec
    quantity: float
    price: float
    unit_cost: float
    own_price: float | None
    utilisation: float


class FusedChecks:
    """Approve, in one pass, a new order that passes every configured check with room to spare.

    Parameters
    ----------
    checks
        The assessor's configured checks; their limits are read once, here.
    specs
        The assessor's per-instrument specs (plans, validation memos, float numbers).
    cache, portfolio, ledger, book
        What the checks read: prices, balances, working orders and marked positions.
    submitted
        The client order ids the engine has already seen (duplicates are the general path's).
    warn_level
        The configured ``warn_utilisation``: at or above it the general path writes a warning.
    """

    __slots__ = (
        "_balance",
        "_balances",
        "_book",
        "_cache",
        "_last_price",
        "_last_price_ts",
        "_ledger",
        "_specs",
        "_submitted",
        "enabled",
        "limits",
        "warn_level",
    )

    def __init__(
        self,
        checks: Sequence[PreTradeCheck],
        specs: SpecCache,
        cache: CacheFacade,
        portfolio: PortfolioFacade,
        ledger: OpenOrderLedger,
        book: ExposureBook,
        submitted: set[ClientOrderId],
        warn_level: float,
    ) -> None:
        self._specs = specs.by_id
        self._cache = cache
        self._last_price = cache.last_price
        self._last_price_ts = cache.last_price_ts
        self._balance = portfolio.balance_total
        self._balances: dict[str, tuple[Decimal, float]] = {}  # last balance seen, as a float
        self._ledger = ledger
        self._book = book
        self._submitted = submitted
        self.warn_level = warn_level
        self.limits = limits = FusedLimits(checks)
        # a check this path does not know would be skipped: then it never approves anything
        self.enabled = limits.complete

    def approve(
        self, order: Order, now: int, state: TradingState
    ) -> FastApproval | OrderContext | None:
        """Approve ``order``, or say which part of the general path must decide it.

        Returns
        -------
        FastApproval | OrderContext | None
            The approval when every check passes quietly; the order's context when a check is
            in the way (the general checks run on it); ``None`` when the order must take the
            whole general path (from the duplicate check on).
        """
        try:
            # -- a new, well-formed order whose numbers the validation memo already holds --
            if not self.enabled or order.__class__ is not Order:
                return None
            client_order_id = order.client_order_id
            if client_order_id in self._submitted or order.status is not _INITIALIZED:
                return None
            cache = self._cache
            cached = cache.order(client_order_id)
            if cached is not None and cached is not order:
                return None
            instrument_id = order.instrument_id
            spec = self._specs.get(instrument_id)
            if spec is None or spec.instrument is not cache.instrument(instrument_id):
                return None
            side = order.side
            if side is _BUY:
                buy = True
            elif side is _SELL:
                buy = False
            else:
                return None
            if order.time_in_force.__class__ is not TimeInForce or order.trigger_price is not None:
                return None
            raw_quantity = order.quantity
            if raw_quantity.__class__ is not Decimal:
                return None
            quantity = spec.quantities.get(raw_quantity)
            if quantity is None:
                return None
            order_type = order.order_type
            own: float | None
            if order_type is _LIMIT:
                raw_price = order.price
                if raw_price.__class__ is not Decimal:
                    return None
                own = spec.prices.get(raw_price)
                if own is None:  # a new price: the validator's verdict, remembered on success
                    if check_price("price", raw_price, spec) is not None:
                        return None
                    own = spec.prices[raw_price]
            elif order_type is _MARKET and order.price is None and not order.post_only:
                own = None
            else:
                return None
            if state is not _ACTIVE and state is not _REDUCING:
                return None
            # -- the order's context, as OrderContext computes it --
            reference = self._last_price(instrument_id)
            if reference is not None and not reference > 0.0:
                reference = None
            if own is None:
                if reference is None:
                    return None
                price = reference
            else:
                price = reference if reference is not None and reference > own else own
            multiplier = spec.multiplier
            notional = quantity * price * multiplier
            book = self._book
            ledger = self._ledger
            position = book.quantity.get(instrument_id, 0.0)
            found = ledger.by_instrument.get(instrument_id)
            pending = _NO_ORDERS if found is None else found
            if buy:
                sign = 1.0
                existing = position + pending.buy_qty
            else:
                sign = -1.0
                existing = position - pending.sell_qty
            reduces = (
                position != 0.0
                and position * sign < 0.0
                and position * (existing + sign * quantity) >= 0.0
            )
            unit_cost = price * multiplier * spec.taker_fee
            if own is not None and reference is not None:
                adverse = sign * (own - reference)
                if adverse > 0.0:
                    unit_cost += adverse * multiplier
            # One pass over the checks. "break" means a check is in the way: the order then goes
            # to the general checks with its context (the first part of the general path is
            # what was done above).
            while True:
                if state is _REDUCING and not reduces:
                    break
                warn = self.warn_level
                limits = self.limits
                util = 0.0
                # A limit the order breaks is used beyond 100%, so beyond the warning level (at most
                # 100%, and every limit is positive): giving up at the warning level covers both.
                # -- tradable, reduce-only, compliance, stale data --
                tradable = limits.tradable
                if tradable is not None:
                    if tradable.halted and instrument_id in tradable.halted:
                        break
                    if tradable.blocked and not reduces and instrument_id in tradable.blocked:
                        break
                if order.reduce_only and not reduces:
                    break
                if not reduces:
                    if spec.restricted:
                        break
                    hours = limits.hours
                    if (
                        hours is not None
                        and not (
                            hours.stretch_open
                            and hours.stretch_from_ns <= now < hours.stretch_until_ns
                        )
                        and not hours.open_at(now)
                    ):
                        break
                    max_age = limits.max_age_ns
                    if max_age is not None:
                        seen = self._last_price_ts(instrument_id)
                        if seen == 0 or now - seen > max_age:
                            break
                # -- price band, notional, open orders, self-trade --
                band = limits.band
                if band is not None:
                    if reference is None:
                        if own is not None:
                            break  # the general path warns that the band was not checked
                    elif own is not None and not abs(own / reference - 1.0) <= band:
                        break
                floor = spec.min_notional
                if floor < limits.min_notional:
                    floor = limits.min_notional
                if notional < floor and not order.reduce_only:
                    break
                limit = limits.max_notional
                if limit is not None:
                    share = notional / limit
                    if share > util:
                        util = share
                    if share >= warn:
                        break
                count_limit = limits.open_per_symbol
                if count_limit is not None:
                    count = pending.count
                    share = (count + 1) / count_limit
                    if share > util:
                        util = share
                    if share >= warn:
                        break
                count_limit = limits.open_total
                if count_limit is not None:
                    count = ledger.count
                    share = (count + 1) / count_limit
                    if share > util:
                        util = share
                    if share >= warn:
                        break
                if limits.self_trade:
                    if buy:
                        best = pending.lowest_sell
                        if best is not None and (own is None or not best > own):
                            break
                    else:
                        best = pending.highest_buy
                        if best is not None and (own is None or not best < own):
                            break
                # -- position, exposure, leverage, VaR --
                # shared by several limits, in the general path's order of operations
                exposure = book.gross + ledger.notional
                free = book.equity - ledger.costs - quantity * unit_cost  # equity after fills
                if not reduces and limits.position_limit:
                    directed = sign * existing + quantity
                    if not directed <= abs(existing):
                        unit = price * multiplier
                        used = directed * unit
                        limit = limits.max_position
                        if limit is not None:
                            share = used / limit
                            if share > util:
                                util = share
                            if share >= warn:
                                break
                        pct = limits.max_pct_equity
                        if pct is not None:
                            limit = pct * free
                            share = used / limit if limit > 0.0 else 1.0
                            if share > util:
                                util = share
                            if share >= warn:
                                break
                limit = limits.max_gross
                if limit is not None and not reduces:
                    share = (exposure + notional) / limit
                    if share > util:
                        util = share
                    if share >= warn:
                        break
                limit = limits.max_net
                if limit is not None:
                    pending_notional = ledger.buy_notional if sign > 0 else ledger.sell_notional
                    used = sign * book.net + pending_notional + notional
                    if not used <= 0.0:
                        share = used / limit
                        if share > util:
                            util = share
                        if share >= warn:
                            break
                limit = limits.leverage
                if limit is not None and not reduces:
                    leverage = (exposure + notional) / free if free > 0.0 else _INF
                    share = leverage / limit
                    if share > util:
                        util = share
                    if share >= warn:
                        break
                var = limits.var
                if var is not None:
                    after = var.projected(instrument_id, sign * notional)
                    if not after <= var.var:
                        limit = var.limit
                        share = after / limit
                        if share > util:
                            util = share
                        if share >= warn or not after <= limit:
                            break
                # -- cash (spot) or margin (perpetuals) --
                if not spec.is_derivative:
                    if limits.cash:
                        if buy:
                            currency = spec.quote
                            cost_per_unit = price * multiplier * (1.0 + spec.taker_fee)
                        else:
                            currency = spec.base
                            cost_per_unit = multiplier
                        need = quantity * cost_per_unit
                        balance = self._balance(currency)
                        converted = self._balances.get(currency)
                        if (
                            converted is None or converted[0] is not balance
                        ):  # convert a new one once
                            converted = self._balances[currency] = (balance, float(balance))
                        available = converted[1] - ledger.reserved.get(currency, 0.0)
                        if available > 0.0:
                            share = need / available
                            if share > util:
                                util = share
                            if share >= warn:
                                break
                        if need > available:
                            break
                elif not reduces:
                    margin_leverage = limits.margin_leverage
                    if margin_leverage is not None:
                        leverage = spec.max_leverage
                        if margin_leverage < leverage:
                            leverage = margin_leverage
                        required = (exposure + notional) / leverage
                        if free > 0.0:
                            share = required / free
                            if share > util:
                                util = share
                            if share >= warn:
                                break
                        if required > free:
                            break
                return _new_approval(FastApproval, (spec, quantity, price, unit_cost, own, util))
            return OrderContext(
                order, spec, buy, quantity, own, price, reference, position, found, book.equity, now
            )

        except Exception:
            return None
