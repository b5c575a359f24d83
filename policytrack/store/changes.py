"""The change log's words: what changed between two versions of a merged item, when it happened
in the legislative world, and which changes are news.

A change carries two dates: ``at``, when policytrack noticed it, and ``happened``, the
legislative date of what happened (the event's date, the document's publication). A change
is *news* (``is_news``), which the site's "recent changes" and the digest announce, unless:

* it was noticed during a baseline crawl: the first complete crawl of a source establishes
  what exists (a 2014 act is not news because policytrack first met it today); or
* it is a new item whose legislative date is more than ``NEWS_WINDOW`` older than the moment
  it was noticed (an old act a watch-list addition brings in is newly tracked, not news).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..model import Document, Note, Procedure
from ..timeline import step_key

Item = Document | Procedure | Note
NEWS_WINDOW = timedelta(days=90)
# Fields of a merged item that say where things came from, how they are classified or what they
# link to, not what happened: a change only there is kept in the item but is no entry in the
# change log (a document newly linked to a dossier has its own entry).
BOOKKEEPING = ("topics", "sources", "provenance", "disagreements", "documents")


@dataclass(frozen=True)
class Change:
    seq: int
    at: datetime  # when policytrack noticed it
    item_id: str
    kind: str
    change: str  # "new", "changed", "stage", "event"
    detail: dict[str, Any]
    happened: date | None = None  # the legislative date of what happened, when there is one
    baseline: bool = False  # noticed during a source's first (baseline) crawl

    @property
    def news(self) -> bool:
        """Whether the site and the digest announce this change (see the module docstring)."""
        return is_news(self.change, self.at, self.happened, self.baseline)


def is_news(change: str, at: datetime, happened: date | None, baseline: bool) -> bool:
    """THE rule for announcing a change: not noticed in a baseline crawl, and not a new item
    whose legislative date is older than ``NEWS_WINDOW`` before it was noticed."""
    if baseline:
        return False
    return not (change == "new" and happened is not None and happened < (at - NEWS_WINDOW).date())


def _latest_step(item: Procedure) -> date | None:
    past = [e.date for e in item.events if not e.forecast]
    return max(past) if past else None


def legislative_date(item: Item) -> date | None:
    """When an item last happened: a procedure's latest step, a document's publication (or its
    own date), a note's date."""
    if isinstance(item, Procedure):
        return _latest_step(item)
    if isinstance(item, Document):
        return item.dates.get("publication") or item.date
    return item.date


def _content(item: Item) -> dict[str, Any]:
    data = item.to_dict()
    for name in BOOKKEEPING:
        data.pop(name, None)
    for e in data.get("events", ()):
        e.pop("sources", None)
    return data


def describe_changes(old: Item | None, new: Item) -> list[tuple[str, dict[str, Any], date | None]]:
    """What changed between two versions of an item, in the words the digest uses, each with
    its legislative date. Empty when only bookkeeping fields (``BOOKKEEPING``) moved."""
    if old is None:
        return [("new", {"title": new.title}, legislative_date(new))]
    out: list[tuple[str, dict[str, Any], date | None]] = []
    if isinstance(old, Procedure) and isinstance(new, Procedure):
        if (old.stage, old.status) != (new.stage, new.status):
            detail: dict[str, Any] = {
                "from": old.stage,
                "to": new.stage,
                "status_from": old.status,
                "status_to": new.status,
            }
            out.append(("stage", detail, _latest_step(new)))
        # A step already known under another source's wording is not new.
        known = {step_key(e) for e in old.events}
        for e in new.events:
            if step_key(e) not in known:
                what = {"date": e.date.isoformat(), "title": e.title, "actor": e.actor, "forecast": e.forecast}
                out.append(("event", what, e.date))
    if not out:
        a, b = _content(old), _content(new)
        fields_changed = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        if fields_changed:
            out.append(("changed", {"fields": fields_changed}, None))
    return out
