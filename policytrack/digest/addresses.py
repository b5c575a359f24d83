"""Strict email-address validation for subscribers.

An address must be exactly one bare addr-spec (``local@domain``): no display name, no list, no
comments, no quoted local part, no line breaks. What we store ends up in the ``To`` header and in
SMTP ``RCPT TO``, so anything unusual is refused with a message saying why instead of being
"fixed".
"""

from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.headerregistry import Address

from .errors import AddressError

# RFC 5322 dot-atom text for the local part; quoted local parts are legal but never needed here.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_RE = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*$")
_LABEL_RE = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_TLD_RE = re.compile(r"^(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$")


def validate_address(text: object) -> str:
    """The address, normalised (domain lower-cased, IDN domains in punycode), or AddressError."""
    if not isinstance(text, str):
        raise AddressError(f"email address must be text, got {type(text).__name__}")
    shown = repr(text[:80])
    if any(c in text for c in "\r\n\x00"):
        raise AddressError(f"invalid email address {shown}: line breaks and NUL are not allowed")
    text = text.strip()
    if not text:
        raise AddressError("invalid email address: it is empty")
    if any(ord(c) < 32 or ord(c) == 127 or c.isspace() for c in text):
        raise AddressError(f"invalid email address {shown}: spaces and control characters are not allowed")
    if len(text) > 254:
        raise AddressError(f"invalid email address {shown}: longer than 254 characters")
    try:
        parsed = Address(addr_spec=text)
    except (HeaderParseError, ValueError, IndexError) as e:
        raise AddressError(
            f"invalid email address {shown}: expected one plain address like name@example.org ({_why(e)})"
        ) from None
    local, domain = parsed.username, parsed.domain
    if parsed.addr_spec != text or not _LOCAL_RE.match(local):
        raise AddressError(f"invalid email address {shown}: expected one plain address like name@example.org")
    if len(local) > 64:
        raise AddressError(f"invalid email address {shown}: the part before @ is longer than 64 characters")
    try:
        ascii_domain = domain.encode("idna").decode("ascii") if not domain.isascii() else domain
    except UnicodeError:
        raise AddressError(f"invalid email address {shown}: the domain is not a valid host name") from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL_RE.match(label) for label in labels) or not _TLD_RE.match(labels[-1]):
        raise AddressError(f"invalid email address {shown}: the domain {domain!r} is not a valid host name")
    return f"{local}@{ascii_domain.lower()}"


def _why(error: Exception) -> str:
    text = str(error).strip()
    return text.split("\n")[0] if text else "cannot be parsed"
