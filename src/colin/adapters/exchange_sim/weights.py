"""Request weights and the 1-minute IP limit, as Binance enforces them.

Every request costs its endpoint's weight (some depend on ``limit`` or on whether a symbol is
given). The used weight of the current window is returned in ``X-MBX-USED-WEIGHT-1M``. A request
that would go over the limit is refused with HTTP 429 / -1003 and ``Retry-After`` (seconds to the
next window); after ``ban_after`` refusals in one window the client is banned: HTTP 418 until
``ban_ms`` later.
"""

from __future__ import annotations

from collections.abc import Callable

from colin.adapters.exchange_sim.errors import BinanceError

WeightRule = int | Callable[[dict[str, str]], int]


def _depth_weight_spot(params: dict[str, str]) -> int:
    limit = int(params.get("limit") or 100)
    return 5 if limit <= 100 else 25 if limit <= 500 else 50 if limit <= 1000 else 250


def _depth_weight_usdm(params: dict[str, str]) -> int:
    limit = int(params.get("limit") or 500)
    return 2 if limit <= 50 else 5 if limit <= 100 else 10 if limit <= 500 else 20


def _klines_weight_usdm(params: dict[str, str]) -> int:
    limit = int(params.get("limit") or 500)
    return 1 if limit < 100 else 2 if limit < 500 else 5 if limit <= 1000 else 10


def _symbol_or(with_symbol: int, without: int) -> WeightRule:
    return lambda params: with_symbol if params.get("symbol") else without


WEIGHTS: dict[str, WeightRule] = {
    "GET /api/v3/ping": 1,
    "GET /api/v3/time": 1,
    "GET /api/v3/exchangeInfo": 20,
    "GET /api/v3/depth": _depth_weight_spot,
    "GET /api/v3/klines": 2,
    "GET /api/v3/trades": 25,
    "GET /api/v3/aggTrades": 4,
    "GET /api/v3/ticker/24hr": _symbol_or(2, 80),
    "GET /api/v3/ticker/bookTicker": _symbol_or(2, 4),
    "GET /api/v3/ticker/price": _symbol_or(2, 4),
    "POST /api/v3/order": 1,
    "GET /api/v3/order": 4,
    "DELETE /api/v3/order": 1,
    "POST /api/v3/order/cancelReplace": 1,
    "GET /api/v3/openOrders": _symbol_or(6, 80),
    "DELETE /api/v3/openOrders": 1,
    "GET /api/v3/allOrders": 20,
    "GET /api/v3/account": 20,
    "GET /api/v3/myTrades": 20,
    "GET /fapi/v1/ping": 1,
    "GET /fapi/v1/time": 1,
    "GET /fapi/v1/exchangeInfo": 1,
    "GET /fapi/v1/depth": _depth_weight_usdm,
    "GET /fapi/v1/klines": _klines_weight_usdm,
    "GET /fapi/v1/trades": 5,
    "GET /fapi/v1/aggTrades": 20,
    "GET /fapi/v1/ticker/24hr": _symbol_or(1, 40),
    "GET /fapi/v1/ticker/bookTicker": _symbol_or(2, 5),
    "GET /fapi/v1/ticker/price": _symbol_or(1, 2),
    "GET /fapi/v1/premiumIndex": 1,
    "POST /fapi/v1/order": 0,
    "PUT /fapi/v1/order": 1,
    "GET /fapi/v1/order": 1,
    "DELETE /fapi/v1/order": 1,
    "GET /fapi/v1/openOrders": _symbol_or(1, 40),
    "DELETE /fapi/v1/allOpenOrders": 1,
    "GET /fapi/v1/allOrders": 5,
    "GET /fapi/v1/userTrades": 5,
    "POST /fapi/v1/leverage": 1,
    "GET /fapi/v1/leverageBracket": 1,
    "GET /fapi/v3/account": 5,
    "GET /fapi/v2/account": 5,
    "GET /fapi/v3/positionRisk": 5,
    "GET /fapi/v2/positionRisk": 5,
    "GET /fapi/v3/balance": 5,
    "GET /fapi/v2/balance": 5,
    "POST /fapi/v1/algoOrder": 0,
    "GET /fapi/v1/algoOrder": 1,
    "DELETE /fapi/v1/algoOrder": 1,
    "GET /fapi/v1/openAlgoOrders": _symbol_or(1, 40),
    "GET /fapi/v1/allAlgoOrders": 5,
    "DELETE /fapi/v1/algoOpenOrders": 1,
    "POST /fapi/v1/listenKey": 1,
    "PUT /fapi/v1/listenKey": 1,
    "DELETE /fapi/v1/listenKey": 1,
}


def request_weight(method: str, path: str, params: dict[str, str]) -> int:
    """Return the weight of one request (1 for an endpoint not in the table)."""
    rule = WEIGHTS.get(f"{method} {path}", 1)
    return rule(params) if callable(rule) else rule


class WeightLimiter:
    """Per-window request weight accounting for the one client IP.

    Parameters
    ----------
    now_ms
        Wall-clock milliseconds (windows are aligned to it).
    limit
        Weight allowed per window (Binance spot 6000, USD-M 2400; one budget here).
    window_ms
        Window length (Binance: one minute).
    ban_after
        429 refusals in one window after which the client is banned (HTTP 418).
    ban_ms
        Length of a ban.
    """

    def __init__(
        self,
        now_ms: Callable[[], int],
        limit: int = 6000,
        window_ms: int = 60_000,
        ban_after: int = 5,
        ban_ms: int = 120_000,
    ) -> None:
        self.now_ms = now_ms
        self.limit = limit
        self.window_ms = window_ms
        self.ban_after = ban_after
        self.ban_ms = ban_ms
        self._window = -1
        self._used = 0
        self._refused = 0
        self._banned_until = 0

    def used(self) -> int:
        """Return the weight used in the current window."""
        self._roll()
        return self._used

    def charge(self, weight: int) -> int:
        """Charge a request's weight; return the window's used weight.

        Raises
        ------
        BinanceError
            429 / -1003 with ``retry_after`` when over the limit; 418 / -1003 while banned.
        """
        now = self.now_ms()
        self._roll()
        if now < self._banned_until:
            raise self._ban_error(now)
        if self._used + weight > self.limit:
            self._refused += 1
            if self._refused >= self.ban_after:
                self._banned_until = now + self.ban_ms
                raise self._ban_error(now)
            raise BinanceError(
                -1003,
                f"Too much request weight used; current limit is {self.limit} request weight "
                "per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling "
                "the API.",
                status=429,
                retry_after=self._seconds_left(now),
            )
        self._used += weight
        return self._used

    def _ban_error(self, now: int) -> BinanceError:
        return BinanceError(
            -1003,
            f"Way too much request weight used; IP banned until {self._banned_until}. Please "
            "use WebSocket Streams for live updates to avoid bans.",
            status=418,
            retry_after=max(1, (self._banned_until - now + 999) // 1000),
        )

    def _seconds_left(self, now: int) -> int:
        return max(1, ((self._window + 1) * self.window_ms - now + 999) // 1000)

    def _roll(self) -> None:
        window = self.now_ms() // self.window_ms
        if window != self._window:
            self._window = window
            self._used = 0
            self._refused = 0
