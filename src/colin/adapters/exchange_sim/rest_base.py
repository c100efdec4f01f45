"""The request pipeline every REST endpoint of the simulator goes through.

For each request, in order: log it, apply the fault rules that fire (errors, latency, stalls),
charge its weight (429/418 past the limit), authenticate it (API key; SIGNED: HMAC and
``recvWindow``), replay the market up to now, run the endpoint, apply a slow ack, and reply with
Binance's JSON and headers (``X-MBX-USED-WEIGHT-1M``, ``Retry-After``). Endpoints are plain
functions of the parameters, run on the server's event loop, that return JSON-ready values or
raise :class:`BinanceError`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qsl

from aiohttp import web

from colin.adapters.exchange_sim.errors import BinanceError, mandatory
from colin.adapters.exchange_sim.events import Market
from colin.adapters.exchange_sim.faults import RequestInfo
from colin.adapters.exchange_sim.orders import Fill
from colin.adapters.exchange_sim.weights import request_weight

if TYPE_CHECKING:
    from colin.adapters.exchange_sim.server import ExchangeSimulator

Security = Literal["NONE", "API_KEY", "SIGNED"]
Endpoint = Callable[[dict[str, str]], Any]
_STALL_ERROR = BinanceError(
    -1007,
    "Timeout waiting for response from backend server. Send status unknown; execution status "
    "unknown.",
    status=503,
)


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request the simulator received, and how it answered."""

    sim_ms: int
    method: str
    path: str
    params: dict[str, str]
    status: int
    code: int | None


def add_endpoint(
    app: web.Application,
    sim: ExchangeSimulator,
    method: str,
    path: str,
    endpoint: Endpoint,
    security: Security = "NONE",
) -> None:
    """Register ``endpoint`` at ``method path`` behind the request pipeline."""

    async def handle(request: web.Request) -> web.StreamResponse:
        raw_query = request.rel_url.raw_query_string
        raw_body = await request.text() if request.can_read_body else ""
        params = dict(parse_qsl(raw_query, keep_blank_values=True))
        params.update(parse_qsl(raw_body, keep_blank_values=True))
        logged = {k: v for k, v in params.items() if k != "signature"}
        info = RequestInfo(method, path, logged)
        response = await _run(sim, info, request, raw_query, raw_body, params, endpoint, security)
        code = None
        if response.status >= 400 and isinstance(response, web.Response) and response.text:
            code = _code_of(response.text)
        sim.request_log.append(
            RequestRecord(sim.now_ms(), method, path, logged, response.status, code)
        )
        return response

    app.router.add_route(method, path, handle)


async def _run(
    sim: ExchangeSimulator,
    info: RequestInfo,
    request: web.Request,
    raw_query: str,
    raw_body: str,
    params: dict[str, str],
    endpoint: Endpoint,
    security: Security,
) -> web.Response:
    rules = sim.faults.fire(info, sim.now_ms())
    for rule in rules:
        if rule.kind == "latency":
            await asyncio.sleep(rule.delay_ms / 1000)
        elif rule.kind == "error":
            if rule.body is not None:
                return web.Response(
                    status=rule.status,
                    text=rule.body,
                    content_type="text/html",
                    headers=_retry_headers(rule.retry_after),
                )
            return error_response(BinanceError(rule.code, rule.msg, rule.status, rule.retry_after))
        elif rule.kind == "stall":
            await asyncio.sleep(rule.delay_ms / 1000)
            return error_response(_STALL_ERROR)
    try:
        used = sim.weights.charge(request_weight(info.method, info.path, params))
        if security != "NONE":
            api_key = request.headers.get("X-MBX-APIKEY")
            if security == "SIGNED":
                sim.auth.authenticate(api_key, raw_query, raw_body, params)
            else:
                sim.auth.check_key(api_key)
        sim.exchange.catch_up()
        for rule in rules:
            if rule.kind == "partial_fill":
                sim.exchange.force_partial_fill(rule.ratio)
        try:
            result = endpoint(params)
        finally:
            sim.exchange.force_partial_fill(None)  # it applies to this request's order only
    except BinanceError as error:
        return error_response(error, sim.weights.used())
    for rule in rules:
        if rule.kind == "slow_ack":
            await asyncio.sleep(rule.delay_ms / 1000)
            if rule.replace_ack:
                return error_response(BinanceError(rule.code, rule.msg, rule.status))
    return json_response(result, used)


def json_response(body: Any, used_weight: int | None = None, status: int = 200) -> web.Response:
    """Return Binance-style JSON with the used-weight header."""
    headers = {} if used_weight is None else {"X-MBX-USED-WEIGHT-1M": str(used_weight)}
    return web.Response(
        status=status,
        text=json.dumps(body, separators=(",", ":")),
        content_type="application/json",
        headers=headers,
    )


def error_response(error: BinanceError, used_weight: int | None = None) -> web.Response:
    """Return a Binance error reply (``Retry-After`` on 429/418)."""
    response = json_response(error.body(), used_weight, error.status)
    response.headers.update(_retry_headers(error.retry_after))
    return response


def _retry_headers(retry_after: int | None) -> dict[str, str]:
    return {} if retry_after is None else {"Retry-After": str(retry_after)}


def _code_of(text: str) -> int | None:
    try:
        body = json.loads(text)
    except ValueError:
        return None
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, int) else None


def int_param(
    params: dict[str, str], name: str, default: int | None, maximum: int | None = None
) -> int | None:
    """Parse an integer parameter (-1100 if malformed), capped at ``maximum``."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.lstrip("-").isdigit():
        raise BinanceError(
            -1100,
            f"Illegal characters found in parameter '{name}'; legal range is '^[0-9]{{1,20}}$'.",
        )
    value = int(raw)
    return min(value, maximum) if maximum is not None else value


def symbol_param(sim: ExchangeSimulator, market: Market, params: dict[str, str]) -> str:
    """Return the mandatory ``symbol`` parameter (-1102 if missing, -1121 if unknown)."""
    symbol = params.get("symbol")
    if not symbol:
        raise mandatory("symbol")
    sim.exchange.symbol(market, symbol)
    return symbol


def trades_query(fills: list[Fill], params: dict[str, str]) -> list[Fill]:
    """Select the fills a ``myTrades`` / ``userTrades`` request asks for.

    ``orderId``, ``fromId`` (lowest trade id), ``startTime`` and ``endTime`` (ms, inclusive)
    filter; ``limit`` (default 500, at most 1000) keeps the first rows.
    """
    limit = int_param(params, "limit", 500, 1000) or 500
    order_id = int_param(params, "orderId", None)
    from_id = int_param(params, "fromId", None)
    start = int_param(params, "startTime", None)
    end = int_param(params, "endTime", None)
    selected = [
        f
        for f in fills
        if (order_id is None or f.order_id == order_id)
        and (from_id is None or f.trade_id >= from_id)
        and (start is None or f.time_ms >= start)
        and (end is None or f.time_ms <= end)
    ]
    return selected[:limit]
