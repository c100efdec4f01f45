"""Request authentication: Binance's documented HMAC test vector, recvWindow rules, and what ccxt
raises for each refusal."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from ccxt.base.errors import AuthenticationError, InvalidNonce
from ccxt.binance import binance as sync_binance

from colin.adapters.exchange_sim import BinanceError, ExchangeSimulator
from colin.adapters.exchange_sim.auth import Authenticator, sign, strip_signature

# rest-api.md, "SIGNED Endpoint Examples for POST /api/v3/order - HMAC Keys"
DOC_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
DOC_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
DOC_QUERY = (
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
    "&recvWindow=5000&timestamp=1499827319559"
)
DOC_SIGNATURE = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
DOC_TIME = 1499827319559


def _auth(now: int = DOC_TIME) -> Authenticator:
    return Authenticator(DOC_KEY, DOC_SECRET, lambda: now)


def _params(query: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in query.split("&"))


def test_binance_documented_signature_vector() -> None:
    assert sign(DOC_SECRET, DOC_QUERY) == DOC_SIGNATURE
    signed = f"{DOC_QUERY}&signature={DOC_SIGNATURE}"
    _auth().authenticate(DOC_KEY, signed, "", _params(DOC_QUERY))
    # the same parameters split between query string and body (concatenated as Binance does)
    query, body = DOC_QUERY[:35], DOC_QUERY[35:]
    _auth().authenticate(DOC_KEY, query, f"{body}&signature={DOC_SIGNATURE}", _params(DOC_QUERY))
    assert strip_signature(signed) == (DOC_QUERY, DOC_SIGNATURE)


@pytest.mark.parametrize(
    ("key", "signature", "code"),
    [
        (None, DOC_SIGNATURE, -2014),
        ("someone-else", DOC_SIGNATURE, -2015),
        (DOC_KEY, "0" * 64, -1022),
    ],
)
def test_key_and_signature_refusals(key: str | None, signature: str, code: int) -> None:
    with pytest.raises(BinanceError) as refused:
        _auth().authenticate(key, f"{DOC_QUERY}&signature={signature}", "", _params(DOC_QUERY))
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("server_offset", "window", "message"),
    [
        (-1000, "5000", "ahead of the server's time"),  # timestamp = server + 1000
        (5001, "5000", "outside of the recvWindow"),
        (59_000, "60000", None),
        (60_001, "60000", "outside of the recvWindow"),
        (0, "60001", "recvWindow must be less than 60000"),
    ],
)
def test_timestamp_and_recv_window_rules(
    server_offset: int, window: str, message: str | None
) -> None:
    auth = _auth(DOC_TIME + server_offset)
    params = {"timestamp": str(DOC_TIME), "recvWindow": window}
    if message is None:
        auth.check_timestamp(params)
        return
    with pytest.raises(BinanceError, match=message):
        auth.check_timestamp(params)
    with pytest.raises(BinanceError) as missing:
        auth.check_timestamp({})
    assert missing.value.code == -1102


def test_ws_api_signature_is_over_key_sorted_parameters() -> None:
    params: dict[str, Any] = {"timestamp": DOC_TIME, "apiKey": DOC_KEY, "recvWindow": 5000}
    payload = urlencode(sorted((k, str(v)) for k, v in params.items()))
    params["signature"] = sign(DOC_SECRET, payload)
    assert _auth().check_ws_signature(params) is None
    params["signature"] = sign("wrong", payload)
    assert _auth().check_ws_signature(params) == (
        400,
        -1022,
        "Signature for this request is not valid.",
    )


def test_ccxt_sees_authentication_and_nonce_errors(sim: ExchangeSimulator) -> None:
    good = sync_binance(sim.ccxt_config("spot"))
    good.load_markets()
    assert good.fetch_balance()["USDT"]["free"] == 10000
    wrong_secret = sync_binance({**sim.ccxt_config("spot"), "secret": "not-it"})
    with pytest.raises(AuthenticationError, match="-1022"):
        wrong_secret.fetch_balance()
    wrong_key = sync_binance({**sim.ccxt_config("spot"), "apiKey": "not-it"})
    with pytest.raises(AuthenticationError, match="-2015"):
        wrong_key.fetch_balance()
    late = sync_binance(sim.ccxt_config("spot"))
    late.options["timeDifference"] = 60_000  # the client's clock 60 s behind
    with pytest.raises(InvalidNonce, match="outside of the recvWindow"):
        late.fetch_balance()
    sim.auth.now_ms = lambda: sim.wall.now_ms() - 5_000  # the server's clock 5 s behind
    with pytest.raises(InvalidNonce, match="ahead of the server"):
        good.fetch_balance()
    codes = [r.code for r in sim.requests if r.path == "/api/v3/account"]
    assert codes == [None, -1022, -2015, -1021, -1021]
