"""Phase two, part one: the list of pages, each with its template, context and input keys.

A page's ``deps`` are short strings (content hashes, dates, ids) covering everything the page
shows; the incremental builder hashes them and re-renders only pages whose hash moved.
Contexts are built lazily: an unchanged page costs a hash, not a render.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .. import urls
from ..model import ASK_STATUSES, Document, Note, Procedure
from .published import DocFacts
from .sitemodel import SiteModel

HOME_NOTES = 6
HOME_CHANGES = 15
HOME_OTHER_CHANGES = 5
HOME_UPCOMING = 15
TOPIC_DOCUMENTS = 50
DOSSIERS_PER_PAGE = 100


@dataclass
class Page:
    path: str  # "dossiers/2022-0051-cod/" (written as index.html) or "404.html"
    template: str
    context: Callable[[], dict[str, Any]]
    deps: tuple[str, ...]
    title: str = ""
    lastmod: str = ""  # ISO date for the sitemap
    in_sitemap: bool = True
    file: str = field(init=False)  # what is written: the path, or its index.html

    def __post_init__(self) -> None:
        self.file = self.path if self.path.endswith(".html") else self.path + "index.html"


def _h(model: SiteModel, item_id: str) -> str:
    stamp = model.stamps.get(item_id)
    return stamp.hash if stamp else "-"


def _note_key(model: SiteModel, note: Note) -> str:
    return model.note_hashes.get(note.slug, note.slug)


def _notes_key(model: SiteModel, notes: list[Note]) -> str:
    return ",".join(_note_key(model, n) for n in notes)


def _lastmod(model: SiteModel, item_id: str) -> str:
    stamp = model.stamps.get(item_id)
    return stamp.lastmod if stamp else ""


def change_title(model: SiteModel, item_id: str) -> tuple[str, str | None]:
    """The title of a changed item and its page (None when the site has no page for it)."""
    if item_id.startswith("proc:"):
        proc = model.procedures.get(item_id[5:])
        return (f"{proc.reference} {proc.title}", urls.item_path(item_id)) if proc else (item_id, None)
    doc = model.doc_facts.get(item_id)
    return (doc.title, urls.item_path(item_id)) if doc else (item_id, None)


def iter_pages(model: SiteModel) -> Iterator[Page]:
    yield from _home(model)
    yield from _topics(model)
    yield from _dossier_index(model)
    for ref in sorted(model.procedures):
        yield _dossier(model, model.procedures[ref])
    for facts in model.doc_facts.values():  # sorted by id
        yield _document(model, facts)
    yield from _notes(model)
    yield Page("search/", "search.html", lambda: {}, (), title="Search", in_sitemap=False)
    if model.unsubscribe_address:
        # The digest's List-Unsubscribe link lands here; a static host cannot act on it, so the
        # page turns the token into an email to the list address (read by `subscribers remove --token`).
        yield Page(
            "unsubscribe/",
            "unsubscribe.html",
            lambda: {"address": model.unsubscribe_address},
            (model.unsubscribe_address,),
            title="Unsubscribe",
            in_sitemap=False,
        )
    yield Page("404.html", "404.html", lambda: {}, (), title="Page not found", in_sitemap=False)


def _home(model: SiteModel) -> Iterator[Page]:
    notes = model.notes[:HOME_NOTES]
    # The model holds the news on tracked items only (docs/dossiers.md). Stage changes and new
    # events are what readers look for; new and edited items are capped and counted.
    steps = [c for c in model.changes if c.change in ("stage", "event")][:HOME_CHANGES]
    others = [c for c in model.changes if c.change not in ("stage", "event")]
    changes = sorted([*steps, *others[:HOME_OTHER_CHANGES]], key=lambda c: c.seq, reverse=True)
    more = max(0, len(others) - HOME_OTHER_CHANGES)
    upcoming = model.upcoming[:HOME_UPCOMING]

    def context() -> dict[str, Any]:
        rows = []
        for c in changes:
            title, path = change_title(model, c.item_id)
            rows.append({"change": c, "title": title, "path": path})
        return {
            "notes": notes,
            "changes": rows,
            "more_changes": more,
            "upcoming": upcoming,
            "counts": {"dossiers": len(model.procedures), "documents": len(model.documents), "notes": len(model.notes)},
        }

    deps = (
        model.today.isoformat(),
        _notes_key(model, notes),
        ",".join(f"{c.seq}:{_h(model, c.item_id)}" for c in changes),
        str(more),
        repr(upcoming),
        f"{len(model.procedures)}/{len(model.documents)}/{len(model.notes)}",
    )
    yield Page("", "home.html", context, deps, title="Home", lastmod=model.today.isoformat())


class ListedDossier(NamedTuple):
    """A dossier as lists show it (``dossier_table`` in ``_macros.html``). A list page's inputs
    are these fields, not the dossier's hash: a new event on a dossier does not render every
    list it is in again. A template that shows more of a listed dossier fails (strict undefined)
    until the field is added here, which adds it to the inputs too."""

    reference: str
    title: str
    status: str
    stage: str


def listed(proc: Procedure) -> ListedDossier:
    return ListedDossier(proc.reference, proc.title, proc.status, proc.stage)


def _listed_key(model: SiteModel, refs: Iterable[str]) -> str:
    return "\x1e".join("\x1f".join(listed(model.procedures[r])) for r in refs)


def _topics(model: SiteModel) -> Iterator[Page]:
    summary = [
        (
            t,
            len(model.topic_procs.get(t.slug, ())),
            len(model.topic_docs.get(t.slug, ())),
            len(model.topic_notes.get(t.slug, ())),
        )
        for t in model.topics
    ]
    yield Page("topics/", "topics.html", lambda: {"summary": summary}, (repr(summary),), title="Topics")
    for topic in model.topics:
        refs = model.topic_procs.get(topic.slug, [])
        docs = model.topic_docs.get(topic.slug, [])[:TOPIC_DOCUMENTS]
        notes = model.topic_notes.get(topic.slug, [])

        def context(topic=topic, refs=refs, docs=docs, notes=notes) -> dict[str, Any]:
            return {
                "topic": topic,
                "dossiers": [listed(model.procedures[r]) for r in refs],
                "documents": [model.documents[d] for d in docs],
                "notes": notes,
                "total_documents": len(model.topic_docs.get(topic.slug, ())),
            }

        deps = (
            repr(topic),
            _listed_key(model, refs),
            ",".join(_h(model, d) for d in docs),
            _notes_key(model, notes),
            str(len(model.topic_docs.get(topic.slug, ()))),
        )
        yield Page(urls.topic_path(topic.slug), "topic.html", context, deps, title=topic.title)


def _dossier_index(model: SiteModel) -> Iterator[Page]:
    refs = sorted(model.procedures, key=lambda r: (r[:4], r), reverse=True)
    chunks = [refs[i : i + DOSSIERS_PER_PAGE] for i in range(0, len(refs), DOSSIERS_PER_PAGE)] or [[]]
    paths = ["dossiers/"] + [f"dossiers/page/{n}/" for n in range(2, len(chunks) + 1)]
    for n, chunk in enumerate(chunks):

        def context(chunk=chunk, n=n) -> dict[str, Any]:
            return {
                "dossiers": [listed(model.procedures[r]) for r in chunk],
                "page_number": n + 1,
                "page_count": len(chunks),
                "prev": paths[n - 1] if n else None,
                "next": paths[n + 1] if n + 1 < len(chunks) else None,
                "total": len(refs),
            }

        deps = (str(len(chunks)), str(len(refs)), _listed_key(model, chunk))
        title = "Dossiers" if n == 0 else f"Dossiers, page {n + 1}"
        yield Page(paths[n], "dossiers.html", context, deps, title=title)


def _dossier(model: SiteModel, proc: Procedure) -> Page:
    doc_ids = model.docs_by_proc.get(proc.reference, [])
    notes = model.notes_by_proc.get(proc.reference, [])
    topics = [t for t in model.topics if t.slug in model.proc_topics.get(proc.reference, ())]

    def context() -> dict[str, Any]:
        return {
            "proc": proc,
            "stamp": model.stamps.get(proc.id),
            "documents": [model.documents[d] for d in doc_ids],
            "notes": notes,
            "topics": topics,
            "today": model.today,
            "final_doc": model.doc_for_celex(proc.final_act),
            "players": players_by_role(proc),
        }

    deps = (
        _h(model, proc.id),
        ",".join(_h(model, d) for d in doc_ids),
        _notes_key(model, notes),
        ",".join(t.slug for t in topics),
        # The timeline marks events from today on as future: it changes when one passes.
        str(len(proc.past(model.today))),
    )
    return Page(
        urls.dossier_path(proc.reference),
        "dossier.html",
        context,
        deps,
        title=f"{proc.reference} {proc.title}",
        lastmod=_lastmod(model, proc.id),
    )


PLAYER_ROLES = (
    ("committee responsible", "Committee responsible"),
    ("rapporteur", "Rapporteurs"),
    ("shadow rapporteur", "Shadow rapporteurs"),
    ("committee for opinion", "Committees for opinion"),
    ("rapporteur for opinion", "Rapporteurs for opinion"),
    ("commission", "Commission"),
    ("council", "Council"),
    ("other", "Also involved"),
)


def players_by_role(proc: Procedure) -> list[tuple[str, list[Any]]]:
    """The dossier's key players grouped by role, in the order a reader looks for them."""
    return [
        (label, found) for role, label in PLAYER_ROLES if (found := [kp for kp in proc.key_players if kp.role == role])
    ]


def _document(model: SiteModel, doc: DocFacts) -> Page:
    proc = model.procedures.get(doc.procedure) if doc.procedure else None
    notes = model.notes_by_doc.get(doc.id, [])

    def context() -> dict[str, Any]:
        return {"doc": model.documents[doc.id], "proc": proc, "notes": notes, "stamp": model.stamps.get(doc.id)}

    deps = (_h(model, doc.id), _h(model, proc.id) if proc else "", _notes_key(model, notes))
    return Page(doc.path, "document.html", context, deps, title=doc.title, lastmod=_lastmod(model, doc.id))


def _note_links(model: SiteModel, note: Note) -> tuple[list[Procedure], list[tuple[str, Document | None]]]:
    procs = [model.procedures[r] for r in note.procedures if r in model.procedures]
    acts = [(c, model.doc_for_celex(c)) for c in note.celex]
    return procs, acts


def _ask_targets(model: SiteModel, note: Note) -> list[dict[str, Any]]:
    rows = []
    for ask in note.asks:
        proc = model.procedures.get(ask.procedure) if ask.procedure else None
        doc = model.doc_for_celex(ask.celex)
        rows.append({"ask": ask, "proc": proc, "doc": doc})
    return rows


def _note_deps(model: SiteModel, note: Note) -> str:
    ids = [f"proc:{r}" for r in note.procedures]
    ids += [d for d in (model.doc_id_for_celex(c) for c in note.celex) if d]
    for ask in note.asks:
        if ask.procedure:
            ids.append(f"proc:{ask.procedure}")
        doc_id = model.doc_id_for_celex(ask.celex)
        if doc_id:
            ids.append(doc_id)
    return ",".join(_h(model, i) for i in ids)


def _notes(model: SiteModel) -> Iterator[Page]:
    all_key = _notes_key(model, model.notes)
    yield Page("notes/", "notes.html", lambda: {"notes": model.notes}, (all_key,), title="Briefings and research")
    recs = [n for n in model.notes if n.note_type == "recommendation"]
    counts = Counter(a.status for n in recs for a in n.asks)

    def rec_context() -> dict[str, Any]:
        return {
            "recommendations": [(n, _ask_targets(model, n)) for n in recs],
            "counts": [(s, counts.get(s, 0)) for s in ASK_STATUSES],
        }

    rec_deps = (_notes_key(model, recs), ",".join(_note_deps(model, n) for n in recs))
    yield Page("recommendations/", "recommendations.html", rec_context, rec_deps, title="Recommendations")
    for note in model.notes:

        def context(note=note) -> dict[str, Any]:
            procs, acts = _note_links(model, note)
            return {
                "note": note,
                "procs": procs,
                "acts": acts,
                "asks": _ask_targets(model, note),
                "topics": model.note_topics(note),
            }

        deps = (_note_key(model, note), _note_deps(model, note), ",".join(t.slug for t in model.note_topics(note)))
        yield Page(
            urls.note_path(note.slug), "note.html", context, deps, title=note.title, lastmod=note.date.isoformat()
        )
