"""The app's exception family: each carries the HTTP status and a one-line message for a person."""

from __future__ import annotations

from ..errors import PolicytrackError


class WebappError(PolicytrackError):
    """The app cannot start, or a request cannot be answered (``status``: the HTTP status)."""

    status = 500

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class BadRequest(WebappError):
    status = 400


class Forbidden(WebappError):
    """A form without a valid CSRF token, or sent from another site."""

    status = 403


class TooManyRequests(WebappError):
    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class Unavailable(WebappError):
    """A service the request needs (search backends, SMTP) is busy or down: try again later."""

    status = 503
