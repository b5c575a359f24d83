"""Signed tokens: unsubscribe tokens, and expiring tokens for the search app's links and forms.

Unsubscribe tokens are ``<subscriber id>.<HMAC-SHA256 of id and address, base64url>``. The token
goes into the List-Unsubscribe link and the mailto subject. It carries no secret data, only the
subscriber id; the signature binds it to the address, so a token stops working when the address
behind the id changes, and nobody can unsubscribe somebody else by guessing ids. It does not
expire on purpose: an old digest's unsubscribe link must still work (RFC 8058 one-click), and
unsubscribing is the one action a leaked link can do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from .errors import DigestError, TokenError, TokenExpired

_TOKEN_RE = re.compile(r"^([1-9][0-9]{0,17})\.([A-Za-z0-9_-]{22})$")


def _mac(secret: str, subscriber_id: int, email: str) -> str:
    if not secret:
        raise DigestError("digest.secret is not set: set POLICYTRACK_DIGEST_SECRET to sign unsubscribe links")
    msg = f"policytrack-unsubscribe\x00{subscriber_id}\x00{email.lower()}".encode()
    digest = hmac.new(secret.encode(), msg, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def make_token(secret: str, subscriber_id: int, email: str) -> str:
    return f"{subscriber_id}.{_mac(secret, subscriber_id, email)}"


def token_subscriber(token: str) -> int:
    """The subscriber id a well-formed token names (not yet verified)."""
    m = _TOKEN_RE.match(token.strip()) if isinstance(token, str) else None
    if not m:
        raise TokenError("malformed unsubscribe token")
    return int(m.group(1))


def verify_token(secret: str, token: str, email: str) -> int:
    """The subscriber id when ``token`` was signed for ``email`` with ``secret``, else TokenError."""
    subscriber_id = token_subscriber(token)
    expected = make_token(secret, subscriber_id, email)
    if not hmac.compare_digest(expected, token.strip()):
        raise TokenError("unsubscribe token signature does not match")
    return subscriber_id


# ---------------------------------------------------------------- signed, expiring tokens
#
# The links the search app sends (confirm a subscription, open the preferences page) and its
# form tokens carry a small JSON payload, signed with the same secret and a salt per purpose,
# so a token made for one purpose never passes for another. They expire: ``max_age`` is checked
# against ``now``, which the caller passes (tests move it instead of the clock).

PURPOSES = ("confirm", "preferences", "csrf")


class _Signer(TimestampSigner):
    """itsdangerous's timestamp signer, reading the time from ``now`` instead of the clock."""

    def __init__(self, *args: Any, now: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now

    def get_timestamp(self) -> int:
        return int(self.now.timestamp())


def _serializer(secret: str, purpose: str, now: datetime) -> URLSafeTimedSerializer:
    if not secret:
        raise DigestError("digest.secret is not set: set POLICYTRACK_DIGEST_SECRET to sign links")
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return URLSafeTimedSerializer(
        secret,
        salt=f"policytrack.{purpose}",
        signer=_Signer,
        signer_kwargs={"now": now, "digest_method": hashlib.sha256},
    )


def sign_timed(secret: str, purpose: str, payload: Any, now: datetime) -> str:
    """A URL-safe token holding ``payload`` (JSON-serialisable), signed at ``now`` for ``purpose``."""
    return _serializer(secret, purpose, now).dumps(payload)


def read_timed(secret: str, purpose: str, token: str, *, max_age: timedelta, now: datetime) -> Any:
    """The payload of a token signed for ``purpose`` at most ``max_age`` before ``now``.

    Raises TokenExpired for a genuine but old token, TokenError for anything else (forged,
    made for another purpose, truncated, or signed in the future).
    """
    if not isinstance(token, str) or not token or len(token) > 4096:
        raise TokenError("malformed link token")
    try:
        return _serializer(secret, purpose, now).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as e:
        if e.date_signed is not None and e.date_signed > now:
            raise TokenError("this link is not valid (signed in the future)") from None
        raise TokenExpired("this link has expired") from None
    except BadSignature:
        raise TokenError("this link is not valid (altered, incomplete, or made for something else)") from None


def address_key(email: str) -> str:
    """A short fingerprint of an address, put in tokens instead of the address itself: a token
    then stops working when the address behind a subscriber id changes, and shows no address."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]
