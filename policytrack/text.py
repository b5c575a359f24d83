"""The one rule for text that enters the model: what is removed, what is replaced.

Everything scraped, typed or loaded is untrusted text. Some of it cannot be stored or shown:

- **lone surrogates** (U+D800–U+DFFF: a JSON answer may escape half a character as
  ``"\\ud800"``) cannot be encoded as UTF-8, so SQLite, the index and every page would refuse
  them. Each is **replaced** by U+FFFD, the replacement character, so the reader sees that
  something was there;
- **control characters** (C0 but tab, line feed and carriage return; DEL; C1, which also come
  from text decoded with the wrong code page) mean nothing in a title or a text and can drive a
  terminal (ESC starts an escape sequence). They are **removed**; NUL with them;
- **bidirectional embeddings, overrides and isolates** (U+202A–U+202E, U+2066–U+2069) can make
  a line read differently from what it holds (U+202E reverses what follows). They are
  **removed**. The plain marks (U+200E, U+200F) change no order of their own and stay.

``clean`` is cheap: a check of the text's bytes at memory speed for a string that holds none of
these (nearly all of them), one regex substitution for the rest. It is idempotent: cleaning clean text gives the same text.
"""

from __future__ import annotations

import re

# The characters ``clean`` changes: one class, so the common case is one regex scan.
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_REPLACEMENT = "\ufffd"


def _replace(match: re.Match[str]) -> str:
    return _REPLACEMENT if "\ud800" <= match.group() <= "\udfff" else ""


# The check runs on the text's UTF-8 bytes, at memory speed (a regex scan of the text itself costs
# several times more): encoding fails on a lone surrogate; C0 controls and DEL are single bytes
# that never occur inside a multi-byte character, so deleting them shows whether there were any;
# C1 controls and the bidi characters are short byte sequences with a rare first byte.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_C1_UTF8 = re.compile(b"\xc2[\x80-\x9f]")
_BIDI_UTF8 = re.compile(b"\xe2(?:\x80[\xaa-\xae]|\x81[\xa6-\xa9])")


def is_clean(text: str) -> bool:
    """Whether ``clean`` would leave ``text`` as it is."""
    if text.isascii():  # (a flag of the string: no scan)
        raw = text.encode("ascii")
    else:
        try:
            raw = text.encode("utf-8")
        except UnicodeEncodeError:
            return False  # a lone surrogate
        if _C1_UTF8.search(raw) is not None or _BIDI_UTF8.search(raw) is not None:
            return False
    return len(raw.translate(None, _CONTROL_BYTES)) == len(raw)


def clean(text: str) -> str:
    """``text`` without control and bidi-override characters, lone surrogates made U+FFFD."""
    if is_clean(text):
        return text
    return _UNWANTED.sub(_replace, text)
