"""The error tree: every error Colin raises on purpose derives from :class:`ColinError`.

Callers decide what to do from the branch alone: a :class:`RetryableError` may succeed if the same
call is made again later (network trouble, rate limits, a venue that is briefly unavailable); a
:class:`FatalError` will fail the same way every time until something is changed (bad config, an
invalid order, rejected credentials, corrupt data).
"""

from __future__ import annotations


class ColinError(Exception):
    """Base of every error raised by Colin."""


class RetryableError(ColinError):
    """An error that may go away if the operation is retried later."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class FatalError(ColinError):
    """An error that retrying will not fix."""


class NetworkError(RetryableError):
    """A connection failed, dropped or timed out."""


class RequestTimeoutError(NetworkError):
    """A request got no answer in time; its outcome at the venue is unknown."""


class RateLimitError(RetryableError):
    """The venue asked us to slow down (HTTP 429/418)."""


class VenueUnavailableError(RetryableError):
    """The venue is in maintenance or returned a server error."""


class ConfigError(FatalError):
    """A configuration value is missing or invalid."""


class AuthenticationError(FatalError):
    """Credentials were missing or rejected."""


class InvalidOrderError(FatalError):
    """An order is malformed or breaks an instrument rule."""


class InsufficientFundsError(FatalError):
    """The account cannot pay for an order."""


class InvalidStateTransition(FatalError):
    """An order (or component) was asked to move to a state it cannot reach from its current one."""


class DataError(FatalError):
    """Market data is unreadable, malformed or fails a quality check."""


class NotFoundError(FatalError):
    """A requested object (run, instrument, order, dataset) does not exist."""
