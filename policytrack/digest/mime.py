"""A digest's MIME message, assembled once: as an ``EmailMessage`` or straight to bytes.

``Assembled`` holds what an ``EmailMessage`` would hold: the headers in order, each either a
value already folded by the email package (``set_raw``) or a header object made by the policy's
header factory (what ``msg[name] = value`` stores), and two quoted-printable text parts.
``message()`` builds the ``EmailMessage``; ``as_bytes(policy)`` writes the bytes that
``message().as_bytes(policy=policy)`` gives, without the email package's generator: the
generator parses Content-Type again several times per part and writes line by line, which was
most of a digest's cost (``benchmarks/bench_digest.py``). Every header is still folded by the
policy itself (``fold_binary``); ``tests/digest/test_mime.py`` checks the two ways byte for byte.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass
from email import policy as email_policy
from email.message import EmailMessage, MIMEPart
from email.policy import EmailPolicy
from typing import Any

from .errors import DigestError

_NEWLINES = re.compile(r"\r\n|\r|\n")  # the generator's own rule for a body's line ends
# A line break not followed by folding white space: a header that would start a new header.
_BARE_NEWLINE = re.compile(rb"\r\n[^ \t]|\r[^ \n\t]|\n[^ \t]")


def header(name: str, value: object) -> Any:
    """The header object ``msg[name] = value`` would store (refuses line breaks in text)."""
    return email_policy.default.header_store_parse(name, value)[1]


@dataclass(frozen=True)
class TextPart:
    """A UTF-8 text part, quoted-printable: the same bytes as ``set_content(cte="quoted-printable")``
    would give, encoded by binascii in C."""

    subtype: str
    payload: str  # already quoted-printable

    @classmethod
    def of(cls, body: str, subtype: str) -> TextPart:
        return cls(subtype, binascii.b2a_qp(body.encode("utf-8"), istext=True).decode("ascii"))

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        return (
            ("Content-Type", f'text/{self.subtype}; charset="utf-8"'),
            ("Content-Transfer-Encoding", "quoted-printable"),
        )

    def mime(self) -> MIMEPart:
        part = MIMEPart(policy=email_policy.default)
        for name, value in self.headers:
            part.set_raw(name, value)
        part.set_payload(self.payload)
        return part


@dataclass(frozen=True)
class Assembled:
    """A multipart/alternative message; ``boundary`` must be the one its Content-Type names."""

    headers: tuple[tuple[str, Any], ...]
    boundary: str
    parts: tuple[TextPart, ...]
    message_id: str

    def message(self) -> EmailMessage:
        msg = EmailMessage(policy=email_policy.default)
        for name, value in self.headers:
            msg.set_raw(name, value)
        for part in self.parts:
            # typeshed types attach's payload as Self (an EmailMessage here); the email package
            # attaches any Message, and the parts are plain MIMEParts on purpose.
            msg.attach(part.mime())  # type: ignore[arg-type]
        return msg

    def as_bytes(self, policy: EmailPolicy[EmailMessage] = email_policy.default) -> bytes:
        """What ``self.message().as_bytes(policy=policy)`` gives (no preamble, no epilogue)."""
        nl = policy.linesep
        delimiter = f"--{self.boundary}".encode("ascii")
        eol = nl.encode("ascii")
        out = [_headers(self.headers, policy), eol, delimiter, eol]
        for n, part in enumerate(self.parts):
            if n:
                out += [eol, delimiter, eol]
            out += [_headers(part.headers, policy), eol, _line_ends(part.payload, nl).encode("ascii")]
        out += [eol, delimiter, b"--", eol]
        return b"".join(out)


def _line_ends(text: str, nl: str) -> str:
    """The generator's line ends: every CRLF, CR or LF becomes ``nl``."""
    if "\r" not in text:  # quoted-printable of our templates: LF only
        return text if nl == "\n" else text.replace("\n", nl)
    return _NEWLINES.sub(nl, text)


def _headers(headers: tuple[tuple[str, Any], ...], policy: EmailPolicy[EmailMessage]) -> bytes:
    eol = policy.linesep.encode("ascii")
    out = []
    for name, value in headers:
        folded = policy.fold_binary(name, value)
        # What newer Pythons' generators check (verify_generated_headers): a folded header is one
        # header, whatever its value held.
        if not folded.endswith(eol) or _BARE_NEWLINE.search(folded[: -len(eol)]):
            raise DigestError(f"the {name} header would not be one header: {folded[:80]!r}")
        out.append(folded)
    return b"".join(out)
