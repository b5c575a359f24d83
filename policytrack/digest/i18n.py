"""Message catalogues for the digest templates (Jinja2's i18n extension, gettext style).

English is the source language: the msgids in the templates are the English text. Other
languages are JSON catalogues in ``locales/<code>.json`` mapping each msgid to its translation
(a list of forms for plural messages). A missing translation falls back to English, so a partly
translated catalogue is still usable.

The same catalogues hold the *terms* that arrive as data in English: the stages of the
Legislative Observatory ("Awaiting Council's 1st reading position"), the Parliament's
procedure phases and the usual key-event titles. Templates pass them through the ``term``
filter (a plain look-up: data is never used as a format string); a stage the catalogue does
not know is shown as the source wrote it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources

from .errors import DigestError

# Plural-form choosers (index into the list of forms), per CLDR for the languages shipped.
_PLURALS: dict[str, Callable[[int], int]] = {
    "en": lambda n: 0 if n == 1 else 1,
    "fr": lambda n: 0 if n in (0, 1) else 1,
    "de": lambda n: 0 if n == 1 else 1,
}


def _catalogue_files() -> dict[str, str]:
    folder = resources.files("policytrack.digest").joinpath("locales")
    return {p.name[:-5]: p.name for p in folder.iterdir() if p.name.endswith(".json")}


LANGUAGES: tuple[str, ...] = ("en", *sorted(code for code in _catalogue_files() if code != "en"))


class Catalogue:
    """The ``gettext``/``ngettext`` pair Jinja2's ``install_gettext_translations`` expects."""

    def __init__(self, language: str, messages: dict[str, str | list[str]]) -> None:
        self.language = language
        self.messages = messages
        self.plural = _PLURALS.get(language, _PLURALS["en"])

    def gettext(self, message: str) -> str:
        found = self.messages.get(message)
        return found if isinstance(found, str) and found else message

    def term(self, text: str) -> str:
        """A stage or event name from the sources, translated when the catalogue knows it."""
        found = self.messages.get(text.strip()) if isinstance(text, str) else None
        return found if isinstance(found, str) and found else text

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = self.messages.get(singular)
        if isinstance(found, list) and found:
            return found[min(self.plural(n), len(found) - 1)]
        return singular if n == 1 else plural


@cache
def catalogue(language: str) -> Catalogue:
    if language == "en":
        return Catalogue("en", {})
    files = _catalogue_files()
    if language not in files:
        raise DigestError(f"no message catalogue for language {language!r}; available: {', '.join(LANGUAGES)}")
    text = resources.files("policytrack.digest").joinpath("locales", files[language]).read_text("utf-8")
    try:
        messages = json.loads(text)
    except json.JSONDecodeError as e:
        raise DigestError(f"locales/{files[language]}: not valid JSON: {e}") from None
    if not isinstance(messages, dict):
        raise DigestError(f"locales/{files[language]}: must be an object of msgid → translation")
    return Catalogue(language, messages)
