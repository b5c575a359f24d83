"""Subscribers: who gets a digest, on which topics, saved searches and language.

This module validates what people choose (addresses, topics, saved searches, languages, CSV
rows) and asks the store to keep it (``Store.subscribers``). Nothing is deleted by ``remove``:
the subscriber is marked ``unsubscribed`` (the ledger keeps referring to them); ``purge``
deletes them and their ledger entries.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..config import Settings
from ..store import STATUSES, Store, Subscriber, SubscriberFields
from ..text import is_clean
from ..textfiles import Decoded, TextEncodingError, decode
from .addresses import validate_address
from .errors import AddressError, SubscriberError
from .i18n import LANGUAGES

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
MAX_QUERIES = 50  # own saved searches per subscriber: each one is a search per digest run
MAX_QUERY_NAME = 100


@dataclass(frozen=True)
class RowError:
    row: int  # the line number in the CSV file (the header is line 1)
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    encoding: str = "utf-8"  # how the file was read


def clean_name(value: object) -> str:
    """A display name: text without control characters or line breaks, at most 200 characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SubscriberError(f"name must be text, got {type(value).__name__}")
    # Line breaks are refused outright (a name goes into a header); the rest by the one text
    # rule (policytrack/text.py), so that no bidi override can reorder what a digest shows.
    if _CONTROL_RE.search(value) or not is_clean(value):
        raise SubscriberError(f"name {value[:60]!r} contains line breaks or control characters")
    value = " ".join(value.split())
    if len(value) > 200:
        raise SubscriberError("name is longer than 200 characters")
    return value


def split_list(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"a; b"`` or ``["a", "b"]`` → ``("a", "b")`` without blanks or duplicates."""
    if value is None:
        return ()
    parts = value.split(";") if isinstance(value, str) else list(value)
    return tuple(dict.fromkeys(p.strip() for p in parts if p and p.strip()))


class Subscribers:
    """The subscriber book of one store, validated against the settings' topics and searches."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.rows = store.subscribers
        self.settings = settings

    # -- validation
    def validate(
        self,
        *,
        email: str,
        name: str | None = "",
        topics: Iterable[str] = (),
        searches: Iterable[str] = (),
        queries: Iterable[str] = (),
        language: str = "en",
        query_names: Mapping[str, str] | None = None,
    ) -> SubscriberFields:
        known_topics = [t.slug for t in self.settings.topics]
        topics = split_list(list(topics))
        for slug in topics:
            if slug not in known_topics:
                raise SubscriberError(f"unknown topic {slug!r}; known: {', '.join(known_topics) or 'none'}")
        known_searches = [s.name for s in self.settings.saved_searches]
        searches = split_list(list(searches))
        for name_ in searches:
            if name_ not in known_searches:
                raise SubscriberError(f"unknown saved search {name_!r}; known: {', '.join(known_searches) or 'none'}")
        queries = split_list(list(queries))
        for q in queries:
            if _CONTROL_RE.search(q) or not is_clean(q) or len(q) > 1000:
                raise SubscriberError(f"query {q[:60]!r} contains control characters or is too long")
        if len(queries) > MAX_QUERIES:
            raise SubscriberError(f"{len(queries)} own searches; at most {MAX_QUERIES} can be followed")
        names = None
        if query_names is not None:
            names = {}
            for q, label in query_names.items():
                label = clean_name(label)
                if len(label) > MAX_QUERY_NAME:
                    raise SubscriberError(f"search name {label[:60]!r} is longer than {MAX_QUERY_NAME} characters")
                if q in queries and label:
                    names[q] = label
        language = (language or "en").strip().lower()
        if language not in LANGUAGES:
            raise SubscriberError(f"unknown language {language!r}; available: {', '.join(LANGUAGES)}")
        return SubscriberFields(
            email=validate_address(email),
            name=clean_name(name),
            topics=topics,
            searches=searches,
            queries=queries,
            language=language,
            query_names=names,
        )

    # -- writing
    def add(self, now: datetime, *, update: bool = False, **fields) -> tuple[Subscriber, str]:
        """Add a subscriber (or update one when ``update``); returns it and "added" or "updated".

        An existing address is an error unless ``update``. ``update`` also re-activates an
        unsubscribed address: that is a deliberate act of the person running the command.
        """
        data = self.validate(**fields)
        existing = self.get(data.email)
        if existing is None:
            return self.rows.insert(data, now), "added"
        if not update:
            raise SubscriberError(
                f"{data.email} is already a subscriber ({existing.status}); use --update to change it"
            )
        return self.rows.update(existing.id, data, now), "updated"

    def remove(self, email: str, now: datetime, *, purge: bool = False) -> Subscriber:
        """Unsubscribe an address (or delete it and its ledger entries with ``purge``)."""
        sub = self.get(email)
        if sub is None:
            raise SubscriberError(f"{email!r} is not a subscriber")
        if purge:
            self.rows.purge(sub.id)
        else:
            self.rows.unsubscribe(sub.id, now)
        return sub

    def unsubscribe_id(self, subscriber_id: int, now: datetime) -> Subscriber:
        sub = self.by_id(subscriber_id)
        if sub is None:
            raise SubscriberError(f"no subscriber #{subscriber_id}")
        return self.remove(sub.email, now)

    def import_csv(
        self, path: Path, now: datetime, *, update: bool = True, encoding: str | None = None
    ) -> ImportReport:
        """Add the rows of a CSV file (columns: email, name, topics, searches, queries, language).

        Lists inside a cell are separated by ``;``. Each bad row is reported with its line number
        and reason; the good rows are kept. An unsubscribed address is never re-subscribed by an
        import (that needs ``subscribers add --update``). UTF-8 (with or without a byte-order
        mark) and UTF-16 are recognised; any other encoding must be named with ``encoding``.
        """
        decoded = read_csv_text(path, encoding)
        report = ImportReport(encoding=decoded.encoding)
        text = decoded.text
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            fieldnames = reader.fieldnames or []
        except csv.Error as e:
            raise SubscriberError(
                f"{path}: cannot read the header on line 1 ({e}); is this a subscriber CSV file?"
            ) from None
        header = [h.strip().lower() for h in fieldnames]
        if "email" not in header:
            raise SubscriberError(f"{path}: the first line must be a header with an 'email' column")
        unknown = set(header) - {"email", "name", "topics", "searches", "queries", "language", ""}
        if unknown:
            raise SubscriberError(
                f"{path}: unknown column {sorted(unknown)[0][:60]!r} (known: email, name, "
                "topics, searches, queries, language)"
            )
        reader.fieldnames = header
        try:
            for row in reader:
                error = self._import_row(row, now, update, report)
                if error:
                    report.errors.append(RowError(reader.line_num, error))
        except csv.Error as e:
            report.errors.append(RowError(reader.line_num + 1, f"unreadable CSV ({e}); rows after it were not read"))
        return report

    def _import_row(self, row: dict, now: datetime, update: bool, report: ImportReport) -> str:
        """Add or update one CSV row; the reason it was rejected, or "" when it was kept."""
        if None in row:
            return "more cells than columns in the header"
        cells = {k: (v or "") for k, v in row.items() if k}
        if not any(v.strip() for v in cells.values()):
            return ""
        try:
            existing = self.get(cells.get("email", "").strip())
            if existing is not None and not existing.active:
                raise SubscriberError(f"{existing.email} has unsubscribed; not re-subscribed by an import")
            _, outcome = self.add(
                now,
                update=update,
                email=cells.get("email", ""),
                name=cells.get("name", ""),
                topics=split_list(cells.get("topics")),
                searches=split_list(cells.get("searches")),
                queries=split_list(cells.get("queries")),
                language=cells.get("language") or "en",
            )
        except SubscriberError as e:
            return str(e)
        if outcome == "added":
            report.added += 1
        else:
            report.updated += 1
        return ""

    # -- reading
    def get(self, email: str) -> Subscriber | None:
        return self.rows.get(email) if isinstance(email, str) else None

    def by_id(self, subscriber_id: int) -> Subscriber | None:
        return self.rows.by_id(subscriber_id)

    def all(self, *, active_only: bool = False) -> Iterator[Subscriber]:
        return self.rows.all(active_only=active_only)


def read_csv_text(path: Path, encoding: str | None = None) -> Decoded:
    """The text of a subscriber CSV file: UTF-8 or UTF-16 found by itself, others by ``encoding``.

    A file that is none of those is refused with the encoding to name, and its first non-UTF-8
    line read that way, so the person can see whether the guess is right before anything is
    stored (a wrong guess would store mangled names without a word).
    """
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise SubscriberError(f"{path}: {size} bytes is too large for a subscriber list (at most {MAX_CSV_BYTES})")
        raw = path.read_bytes()
    except OSError as e:
        raise SubscriberError(f"{path}: cannot read: {e.strerror}") from None
    try:
        return decode(raw, str(path), encoding=encoding)
    except TextEncodingError as e:
        if e.preview:
            raise SubscriberError(
                f"{e}: if line {e.line} reads right as {e.preview!r}, run again with --encoding {e.encoding} "
                "(Excel on Windows), else name the file's encoding with --encoding or save it as UTF-8"
            ) from None
        raise SubscriberError(str(e)) from None


MAX_CSV_BYTES = 50 << 20

__all__ = ["STATUSES", "AddressError", "ImportReport", "RowError", "Subscriber", "Subscribers", "clean_name"]
