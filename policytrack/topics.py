"""The one topic rule: which watched topics an item belongs to, and so whether it is tracked.

An item belongs to a topic when its own identifiers are on the topic's watch list (a procedure
reference, or a CELEX number — a consolidated version or corrigendum counts as its act), one of
its EuroVoc concepts is the topic's, or one of the topic's keywords occurs in its title or
summary; and it belongs to every topic of the dossiers it belongs to. A note also keeps the
topics its author gave it. An item in at least one topic is *tracked*: only tracked items are
published, indexed for the site and digested (docs/dossiers.md).

The store applies this rule to every merged item (``Store`` keeps the result in the item's
``topics``); notes, which live in the content folder, are tagged with it when they are read.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from .identifiers import celex_and_base
from .model import Document, Note, Procedure, Topic

Item = Document | Procedure | Note


@lru_cache(maxsize=256)
def _keyword_re(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    if not keywords:
        return None
    alternatives = "|".join(re.escape(k) for k in sorted(keywords, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.I)


def _own_ids(item: Item) -> tuple[set[str], set[str], str, set[str]]:
    """(procedure references, CELEX numbers with their acts, text, EuroVoc labels) of an item."""
    if isinstance(item, Procedure):
        acts = set(celex_and_base(item.final_act)) if item.final_act else set()
        return {item.reference}, acts, f"{item.title}\n{item.summary}", {e.lower() for e in item.eurovoc}
    if isinstance(item, Document):
        acts = set(celex_and_base(item.celex)) if item.celex else set()
        return set(item.procedures), acts, f"{item.title}\n{item.summary}", {e.lower() for e in item.eurovoc}
    acts = {key for c in item.celex for key in celex_and_base(c)}
    return set(dossiers_of(item)), acts, f"{item.title}\n{item.summary}", set()


def matching_topics(item: Item, topics: Iterable[Topic]) -> tuple[str, ...]:
    """Slugs of the topics the item's own ids, EuroVoc concepts and words match, in
    configuration order (without the topics of its dossiers: see ``item_topics``)."""
    procs, acts, text, eurovoc = _own_ids(item)
    out = []
    for topic in topics:
        rx = _keyword_re(topic.keywords)
        if (
            procs & set(topic.procedures)
            or acts & set(topic.celex)
            or any(c.lower() in eurovoc for c in topic.eurovoc)
            or any(uri in eurovoc for uri in topic.eurovoc_uris)
            or (rx is not None and rx.search(text))
        ):
            out.append(topic.slug)
    return tuple(out)


def dossiers_of(item: Item) -> tuple[str, ...]:
    """The procedures an item names as its own dossiers (a note: also those of its asks)."""
    if isinstance(item, Procedure):
        return (item.reference,)
    if isinstance(item, Document):
        return item.procedures
    asked = (a.procedure for a in item.asks if a.procedure)
    return tuple(dict.fromkeys((*item.procedures, *asked)))


def item_topics(item: Item, topics: Sequence[Topic], dossier_topics: Iterable[Iterable[str]] = ()) -> tuple[str, ...]:
    """THE topic rule: the item's own matches, the topics of the dossiers it belongs to
    (``dossier_topics``: one topic list per dossier), and for a note the topics its author
    gave; in configuration order, unknown slugs dropped."""
    found = set(matching_topics(item, topics))
    for slugs in dossier_topics:
        found.update(slugs)
    if isinstance(item, Note):
        found.update(item.topics)
    return tuple(t.slug for t in topics if t.slug in found)


def note_topics(note: Note, topics: Sequence[Topic], procedure_topics: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """``item_topics`` of a note, its dossiers' topics looked up in ``procedure_topics``."""
    return item_topics(note, topics, (procedure_topics.get(ref, ()) for ref in dossiers_of(note)))


def topics_fingerprint(topics: Sequence[Topic]) -> str:
    """Changes whenever the topics' configuration does (the store re-tags its items then)."""
    data = json.dumps([t.to_dict() for t in topics], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()
