"""Signed unsubscribe tokens: ``<subscriber id>.<HMAC-SHA256 of id and address, base64url>``.

The token goes into the List-Unsubscribe link and the mailto subject. It carries no secret data,
only the subscriber id; the signature binds it to the address, so a token stops working when the
address behind the id changes, and nobody can unsubscribe somebody else by guessing ids.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from .errors import DigestError, TokenError

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
