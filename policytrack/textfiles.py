"""Which text encoding a file a person hands us is in: the one rule for the TOML file and CSV imports.

Only what can be told for sure is decided here: a byte-order mark, UTF-16 without one (every
other byte is NUL), or valid UTF-8. An 8-bit file that is not UTF-8 (Excel's "CSV" on Windows is
cp1252) is *not* guessed: the same bytes are Western European in cp1252, Polish in cp1250 and
Greek in cp1253, and a wrong guess would store mangled names without a word. The caller says
which encoding to use instead, with a preview of the first line that is not UTF-8.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from .errors import PolicytrackError

# Longest first: the UTF-32 little-endian mark starts with the UTF-16 one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# What Excel on Windows writes as "CSV" for Western European users: the likely answer for a file
# that is not UTF-8 (the message shows the first such line read this way, for the user to judge).
LIKELY_8BIT = "cp1252"


class TextEncodingError(PolicytrackError):
    """The bytes are not in the expected encoding; ``line`` is 1-based (0: unknown)."""

    def __init__(self, message: str, *, encoding: str = "", line: int = 0, preview: str = "") -> None:
        super().__init__(message)
        self.encoding = encoding
        self.line = line
        self.preview = preview


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the codec used: "utf-8", "utf-8-sig", "utf-16", "utf-16-le", a given one…


def unicode_encoding(raw: bytes) -> str | None:
    """The encoding a byte-order mark or UTF-16's NUL pattern proves, else None."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    sample = raw[:4096]
    if len(sample) >= 4 and len(sample) % 2 == 0:
        even, odd = sample[0::2], sample[1::2]
        # ASCII text in UTF-16: one byte of every pair is NUL. No 8-bit text has NULs.
        if odd.count(0) > len(odd) * 0.6 and not even.count(0):
            return "utf-16-le"
        if even.count(0) > len(even) * 0.6 and not odd.count(0):
            return "utf-16-be"
    return None


def decode(raw: bytes, name: str, *, encoding: str | None = None, utf16: bool = True) -> Decoded:
    """Decode ``raw`` (the content of the file ``name``).

    With ``encoding``, exactly that (a UTF-8 byte-order mark is dropped). Without, UTF-8 (with
    or without a byte-order mark) and, when ``utf16``, UTF-16/32 by their byte-order mark or NUL
    pattern. Anything else is a ``TextEncodingError`` naming the line and showing it read as
    cp1252, so the caller can say which encoding to pass.
    """
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise TextEncodingError(f"unknown encoding {encoding!r} (e.g. utf-8, cp1252, latin-1, utf-16)") from None
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as e:
            line = raw[: e.start].count(b"\n") + 1
            raise TextEncodingError(
                f"{name} is not valid {encoding} (line {line}, byte 0x{raw[e.start]:02X})", encoding=encoding, line=line
            ) from None
        return Decoded(text.removeprefix("\ufeff"), encoding)
    found = unicode_encoding(raw)
    if found is not None and found != "utf-8-sig":
        if not utf16:
            raise TextEncodingError(f"{name} is saved as {found.upper()}, not UTF-8", encoding=found)
        try:
            return Decoded(raw.decode(found), found)
        except UnicodeDecodeError:
            raise TextEncodingError(
                f"{name} looks like {found.upper()} but does not decode as it", encoding=found
            ) from None
    try:
        return Decoded(raw.decode("utf-8-sig"), found or "utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        start = raw.rfind(b"\n", 0, e.start) + 1
        end = raw.find(b"\n", e.start)
        preview = raw[start : end if end >= 0 else len(raw)].decode(LIKELY_8BIT, "replace").strip()
        raise TextEncodingError(
            f"{name} is not UTF-8 (line {line}, byte 0x{raw[e.start]:02X})",
            encoding=LIKELY_8BIT,
            line=line,
            preview=" ".join(preview.split())[:80],
        ) from None
