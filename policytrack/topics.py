"""Tag items with the watched topics of the configuration."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TypeVar

from .identifiers import celex_and_base
from .model import Document, Note, Procedure, Topic

T = TypeVar("T", Document, Procedure)


@lru_cache(maxsize=256)
def _keyword_re(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    if not keywords:
        return None
    alternatives = "|".join(re.escape(k) for k in sorted(keywords, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.I)


def matching_topics(item: Document | Procedure | Note, topics: Iterable[Topic]) -> tuple[str, ...]:
    """Slugs of the topics an item belongs to, in configuration order."""
    procs: set[str]
    acts: set[str]
    eurovoc: set[str]
    if isinstance(item, Procedure):
        procs = {item.reference}
        acts = {item.final_act} if item.final_act is not None else set()
        text = f"{item.title}\n{item.summary}"
        eurovoc = {e.lower() for e in item.eurovoc}
    elif isinstance(item, Document):
        procs = {item.procedure} if item.procedure is not None else set()
        acts = set(celex_and_base(item.celex)) if item.celex else set()
        text = f"{item.title}\n{item.summary}"
        eurovoc = {e.lower() for e in item.eurovoc}
    else:
        procs, acts, text, eurovoc = set(item.procedures), set(item.celex), item.title, set()
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


def tag(item: T, topics: Iterable[Topic]) -> T:
    """The item with its topics set (those it already had are kept)."""
    # Annotated: mypy otherwise loses this local's type while checking `tag` once per constraint of T.
    found: tuple[str, ...] = matching_topics(item, topics)
    merged = tuple(dict.fromkeys((*item.topics, *found)))
    return item if merged == item.topics else item.replace(topics=merged)
