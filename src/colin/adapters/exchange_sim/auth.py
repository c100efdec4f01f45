"""Request authentication as Binance does it: API key header, HMAC-SHA256 signature, recvWindow.

A SIGNED request carries ``X-MBX-APIKEY`` and a ``signature`` parameter, the hex HMAC-SHA256 (key:
the secret) of the query string concatenated with the body, without the signature itself. Its
``timestamp`` must satisfy ``timestamp < server + 1000`` and ``server - timestamp <= recvWindow``
(``recvWindow`` defaults to 5000 and may not exceed 60000). Failures use Binance's codes: -2014
(API-key format), -2015 (unknown key), -1022 (bad signature), -1021 (timestamp), -1102/-1131.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from typing import Any

from colin.adapters.exchange_sim.errors import BinanceError, mandatory

DEFAULT_RECV_WINDOW = 5000
MAX_RECV_WINDOW = 60000


def sign(secret: str, payload: str) -> str:
    """Return the hex HMAC-SHA256 of ``payload`` keyed by ``secret``."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def strip_signature(raw: str) -> tuple[str, str | None]:
    """Split a raw url-encoded parameter string into (the rest, the signature value)."""
    if not raw:
        return "", None
    kept: list[str] = []
    signature: str | None = None
    for part in raw.split("&"):
        if part.startswith("signature="):
            signature = part[len("signature=") :]
        else:
            kept.append(part)
    return "&".join(kept), signature


class Authenticator:
    """Checks API keys, signatures and timestamps of requests.

    Parameters
    ----------
    api_key, api_secret
        The one account's credentials.
    now_ms
        The clock request timestamps are checked against.
    """

    def __init__(self, api_key: str, api_secret: str, now_ms: Callable[[], int]) -> None:
        self.api_key = api_key
        self.api_secret = api_secret
        self.now_ms = now_ms

    def check_key(self, header_key: str | None) -> None:
        """Check the ``X-MBX-APIKEY`` header."""
        if not header_key:
            raise BinanceError(-2014, "API-key format invalid.", status=401)
        if not hmac.compare_digest(header_key, self.api_key):
            raise BinanceError(-2015, "Invalid API-key, IP, or permissions for action.", status=401)

    def verify(self, api_key: str | None, payload: str, signature: str | None) -> None:
        """Check the key and the signature of ``payload`` (the signed text, signature removed).

        Raises
        ------
        BinanceError
            -2014/-2015 for the key, -1102 without a signature, -1022 for a wrong one.
        """
        self.check_key(api_key)
        if not signature:
            raise mandatory("signature")
        expected = sign(self.api_secret, payload)
        if not hmac.compare_digest(expected, signature.lower()):
            raise BinanceError(-1022, "Signature for this request is not valid.")

    def check_timestamp(self, params: dict[str, str]) -> None:
        """Apply the ``timestamp`` / ``recvWindow`` rules against the server clock."""
        raw = params.get("timestamp")
        if not raw or not raw.isdigit():
            raise mandatory("timestamp")
        window_raw = params.get("recvWindow")
        window = DEFAULT_RECV_WINDOW
        if window_raw:
            try:
                window = int(float(window_raw))
            except ValueError:
                raise mandatory("recvWindow") from None
            if window > MAX_RECV_WINDOW:
                raise BinanceError(-1131, "recvWindow must be less than 60000")
        timestamp = int(raw)
        server = self.now_ms()
        if timestamp >= server + 1000:
            raise BinanceError(
                -1021, "Timestamp for this request was 1000ms ahead of the server's time."
            )
        if server - timestamp > window:
            raise BinanceError(-1021, "Timestamp for this request is outside of the recvWindow.")

    def authenticate(
        self, api_key: str | None, raw_query: str, raw_body: str, params: dict[str, str]
    ) -> None:
        """Authenticate a SIGNED request from its raw query string and body."""
        query, query_sig = strip_signature(raw_query)
        body, body_sig = strip_signature(raw_body)
        self.verify(api_key, query + body, query_sig or body_sig)
        self.check_timestamp(params)

    def check_ws_signature(self, params: Mapping[str, Any]) -> tuple[int, int, str] | None:
        """Check a WebSocket-API signed request (``apiKey``, ``timestamp``, ``signature``...).

        The payload is the parameters other than ``signature``, sorted by key, as raw
        ``key=value`` pairs joined by ``&`` (Binance's WebSocket-API rule; ccxt's ``rawencode``).

        Returns
        -------
        tuple or None
            ``(http_status, code, msg)`` of the refusal, or ``None`` when the request is valid.
        """
        rest = {k: str(v) for k, v in params.items() if k != "signature"}
        payload = "&".join(f"{key}={value}" for key, value in sorted(rest.items()))
        try:
            self.verify(rest.get("apiKey"), payload, str(params.get("signature") or ""))
            self.check_timestamp(rest)
        except BinanceError as error:
            return error.status, error.code, error.msg
        return None
