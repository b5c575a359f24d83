"""The digest's exception family (all are ``PolicytrackError``: the CLI prints one line, exit 1)."""

from __future__ import annotations

from ..errors import PolicytrackError


class DigestError(PolicytrackError):
    """The digest cannot be built or sent (settings, templates, search index)."""


class SubscriberError(DigestError):
    """A subscriber record is invalid: unknown topic, saved search or language."""


class AddressError(SubscriberError):
    """An email address is not exactly one valid addr-spec."""


class TokenError(DigestError):
    """An unsubscribe token is malformed or its signature does not match."""


class TokenExpired(TokenError):
    """A genuine signed link that is older than it may be."""
