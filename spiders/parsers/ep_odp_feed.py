"""The indexes of the EP Open Data API v2: its ``…/feed`` answers and the list of meetings.

Feeds answer Atom (the only type its OpenAPI description lists
for feeds; a 204 says nothing changed in the window).

Each entry, as a live ``plenary-documents/feed`` answer shows it::

    <entry>
      <title type="text" xml:lang="en">REPORT on …</title>
      <id>https://data.europarl.europa.eu/eli/dl/doc/A-10-2026-0204</id>
      <link href="https://data.europarl.europa.eu/eli/dl/doc/A-10-2026-0204" rel="self"/>
      <link href="https://data.europarl.europa.eu/api/v2/plenary-documents/A-10-2026-0204" rel="alternate"/>
      <category term="work-type" scheme="https://data.europarl.europa.eu/def/ep-document-types/REPORT_PLENARY" …/>
      <updated>2026-09-02T16:24:04.157Z</updated>
    </entry>

``updated`` (milliseconds, UTC) says whether the record changed since the last run; the feed
lists records updated in its window, old ones too, without paging.

Meetings have no feed: ``meetings?year=…&offset=…&limit=…`` lists them (JSON-LD, a ``data`` list
of ``Activity`` records such as ``{"id": "eli/dl/event/MTG-PL-2014-01-13", "activity_id":
"MTG-PL-2014-01-13", "had_activity_type": "def/ep-activities/PLENARY_SITTING", …}``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from .common import Body, clean, fail, load_json, load_xml

API = "https://data.europarl.europa.eu/api/v2/"
_ATOM = "{http://www.w3.org/2005/Atom}"
KIND = "EP Open Data feed (Atom)"
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]*$")


@dataclass(frozen=True)
class AtomEntry:
    identifier: str  # the record's id in the API: "A-10-2026-0204", "2025-0260"
    record: str  # the API path of the record (link rel="alternate"): "plenary-documents/A-10-2026-0204"
    updated: datetime  # aware, UTC
    work_type: str = ""  # "REPORT_PLENARY" (last segment of the work-type category's scheme)
    title: str = ""

    @property
    def key(self) -> str:
        """The crawl state's key: the record is fetched again when its ``updated`` changes."""
        return f"{self.record}#{self.updated.isoformat()}"


def parse_atom(body: Body, url: str = "") -> list[AtomEntry]:
    root = load_xml(body, url, KIND)
    if root.tag != f"{_ATOM}feed":
        raise fail(url, KIND, f"root element is {str(root.tag)[:80]!r}, not an Atom feed")
    out = []
    for entry in root.iterfind(f"{_ATOM}entry"):
        record = _alternate(entry)
        updated = _time(entry.findtext(f"{_ATOM}updated"))
        if record is None or updated is None:
            continue  # nothing to follow, or no way to tell whether it changed
        out.append(
            AtomEntry(
                identifier=record.rsplit("/", 1)[-1],
                record=record,
                updated=updated,
                work_type=_work_type(entry),
                title=clean(entry.findtext(f"{_ATOM}title")),
            )
        )
    return out


def _alternate(entry) -> str | None:
    """The API path of the entry's record, only when it is a record of this API."""
    for link in entry.iterfind(f"{_ATOM}link"):
        href = clean(link.get("href"))
        if link.get("rel", "alternate") == "alternate" and href.startswith(API):
            path = href[len(API) :].split("?", 1)[0].rstrip("/")
            parts = path.split("/")
            if len(parts) == 2 and _IDENTIFIER.match(parts[0]) and _IDENTIFIER.match(parts[1]):
                return path
    return None


def _work_type(entry) -> str:
    for category in entry.iterfind(f"{_ATOM}category"):
        if category.get("term") in ("work-type", "process-type", "activity-type"):
            return clean(category.get("scheme")).rstrip("/").rsplit("/", 1)[-1]
    return ""


def _time(text: str | None) -> datetime | None:
    value = clean(text)
    if not value:
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp.astimezone(UTC) if stamp.tzinfo else None


_SITTING = re.compile(r"^MTG-PL-\d{4}-\d{2}-\d{2}$")


def parse_meeting_list(body: Body, url: str = "") -> tuple[list[str], int]:
    """A page of ``meetings?year=…``: the plenary sittings it lists (``MTG-PL-2024-07-16``), and
    how many records the page held (a full page means another one follows)."""
    kind = "EP Open Data meeting list"
    data = load_json(body, url, kind)
    records = data.get("data") if isinstance(data, dict) else None
    if not isinstance(records, list):
        raise fail(url, kind, "not a JSON-LD list with a 'data' array")
    sittings = []
    for record in records:
        if not isinstance(record, dict):
            continue
        identifier = clean(record.get("activity_id")) or clean(record.get("id")).rsplit("/", 1)[-1]
        if _SITTING.match(identifier) and identifier not in sittings:
            sittings.append(identifier)
    return sittings, len(records)


__all__ = ["API", "AtomEntry", "parse_atom", "parse_meeting_list"]
