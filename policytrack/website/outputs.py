"""Phase two, part two: the machine-readable files beside the pages.

Atom feeds (feedgen), the iCalendar file of upcoming dates (RFC 5545, written by hand with care:
CRLF line ends, escaped text, lines folded at 75 octets), the sitemap (split past 50,000 URLs)
and the dossier exports (JSON and CSV).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlsplit
from xml.sax.saxutils import escape as xml_escape

import msgspec
from feedgen.feed import FeedGenerator

from .. import urls
from ..model import Note
from .pages import Page, change_title
from .sitemodel import SiteModel

FEED_NOTES = 30
FEED_CHANGES = 30
SITEMAP_LIMIT = 50_000


# ------------------------------------------------------------------------------------ Atom


def _feed(
    model: SiteModel, path: str, title: str, subtitle: str, notes: list[Note], change_ids: set[str] | None
) -> bytes:
    """A feed of notes and dossier changes. ``change_ids`` limits the changes (None: all)."""
    abs_url = lambda p: urls.absolute(model.base_url, p)  # noqa: E731
    fg = FeedGenerator()
    fg.id(abs_url(path))
    fg.title(title)
    fg.subtitle(subtitle)
    fg.link(href=abs_url(path), rel="self", type="application/atom+xml")
    fg.link(href=abs_url(path.rsplit("/", 1)[0] + "/" if "/" in path else ""), rel="alternate")
    fg.language("en")
    fg.generator("policytrack")
    entries: list[tuple[datetime, str, str, str, str]] = []
    for note in notes[:FEED_NOTES]:
        when = datetime.combine(note.date, time(0), UTC)
        kind = note.note_type.capitalize()
        entries.append(
            (
                when,
                abs_url(urls.note_path(note.slug)),
                f"{kind}: {note.title}",
                note.summary or note.title,
                ", ".join(note.authors),
            )
        )
    changes = [c for c in model.changes if change_ids is None or c.item_id in change_ids]
    for c in changes[:FEED_CHANGES]:
        name, page = change_title(model, c.item_id)
        if page is None:
            continue
        what = {"new": "New", "stage": "Stage changed", "event": "New event"}.get(c.change, "Updated")
        detail = c.detail.get("to") or c.detail.get("title") or ""
        entries.append((c.at, abs_url(page) + f"#change-{c.seq}", f"{what}: {name}", str(detail), ""))
    entries.sort(key=lambda e: (e[0], e[1]), reverse=True)
    updated = entries[0][0] if entries else datetime.combine(model.today, time(0), UTC)
    fg.updated(updated)
    fg.author({"name": model.title})
    for when, link, entry_title, summary, author in entries:
        fe = fg.add_entry(order="append")
        fe.id(link)
        fe.title(entry_title)
        fe.link(href=link)
        fe.updated(when)
        fe.published(when)
        if summary:
            fe.summary(summary)
        if author:
            fe.author({"name": author})
    return fg.atom_str(pretty=True)


def feeds(model: SiteModel) -> dict[str, bytes]:
    out = {
        "feed.xml": _feed(
            model, "feed.xml", model.title, "Briefings, recommendations and dossier changes", model.notes, None
        )
    }
    for topic in model.topics:
        ids = {f"proc:{r}" for r in model.topic_procs.get(topic.slug, ())}
        ids |= set(model.topic_docs.get(topic.slug, ()))
        path = urls.topic_path(topic.slug) + "feed.xml"
        out[path] = _feed(
            model,
            path,
            f"{model.title}: {topic.title}",
            topic.description or topic.title,
            model.topic_notes.get(topic.slug, []),
            ids,
        )
    return out


# ------------------------------------------------------------------------------ iCalendar


def ics_escape(text: str) -> str:
    """TEXT values (RFC 5545 3.3.11): backslash, semicolon, comma and newlines are escaped."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def ics_fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character (RFC 5545 3.1)."""
    out: list[str] = []
    current: list[str] = []
    size = 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        limit = 75 if not out else 74  # continuation lines start with one space
        if size + n > limit:
            out.append("".join(current))
            current, size = [], 0
        current.append(ch)
        size += n
    out.append("".join(current))
    return "\r\n ".join(out)


def calendar(model: SiteModel) -> bytes:
    host = urlsplit(model.base_url).hostname or "policytrack.invalid"
    stamp = model.now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//policytrack//site calendar//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ics_escape(model.title)}",
    ]
    for up in model.upcoming:
        uid = hashlib.sha1(f"{up.item_id}|{up.date}|{up.title}".encode()).hexdigest()
        page = urls.absolute(model.base_url, urls.item_path(up.item_id))
        label = {"forecast": "Expected", "deadline": "Deadline", "event": "Scheduled"}[up.kind]
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{up.date.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{(up.date + timedelta(days=1)).strftime('%Y%m%d')}",
            f"SUMMARY:{ics_escape(up.title)}",
            f"DESCRIPTION:{ics_escape(f'{label}. Details: {page}')}",
            f"URL:{page}",
            f"CATEGORIES:{ics_escape(up.kind)}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("".join(ics_fold(line) + "\r\n" for line in lines)).encode("utf-8")


# ------------------------------------------------------------------------------- sitemap


def sitemaps(model: SiteModel, pages: Iterable[Page]) -> dict[str, bytes]:
    """``sitemap.xml``; past 50,000 URLs it becomes an index of ``sitemap-N.xml`` files."""
    entries = []
    base = urls.absolute(model.base_url, "")  # pages' paths are relative: joining is concatenation
    for page in pages:
        if page.in_sitemap:
            loc = xml_escape(base + page.path)
            mod = f"<lastmod>{page.lastmod}</lastmod>" if page.lastmod else ""
            entries.append(f"<url><loc>{loc}</loc>{mod}</url>")
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    if len(entries) <= SITEMAP_LIMIT:
        return {"sitemap.xml": (head + f"<urlset {ns}>\n" + "\n".join(entries) + "\n</urlset>\n").encode()}
    out, index = {}, []
    for n, start in enumerate(range(0, len(entries), SITEMAP_LIMIT), 1):
        name = f"sitemap-{n}.xml"
        chunk = entries[start : start + SITEMAP_LIMIT]
        out[name] = (head + f"<urlset {ns}>\n" + "\n".join(chunk) + "\n</urlset>\n").encode()
        index.append(f"<sitemap><loc>{xml_escape(urls.absolute(model.base_url, name))}</loc></sitemap>")
    out["sitemap.xml"] = (head + f"<sitemapindex {ns}>\n" + "\n".join(index) + "\n</sitemapindex>\n").encode()
    return out


# ------------------------------------------------------------------------------- exports

EXPORT_COLUMNS = (
    "reference",
    "title",
    "type",
    "status",
    "stage",
    "final_act",
    "topics",
    "sources",
    "key_players",
    "last_event_date",
    "last_event",
    "next_date",
    "next_event",
    "documents",
    "notes",
    "page",
    "source_url",
)


def _dossier_rows(model: SiteModel) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    base = urls.absolute(model.base_url, "")  # pages' paths are relative: joining is concatenation
    for ref, proc in sorted(model.procedures.items()):
        past, coming = proc.past(model.today), proc.upcoming(model.today)
        rows.append(
            {
                "reference": ref,
                "title": proc.title,
                "type": proc.type_name,
                "status": proc.status,
                "stage": proc.stage,
                "final_act": proc.final_act or "",
                "topics": list(model.proc_topics.get(ref, ())),
                "sources": list(proc.sources),
                "key_players": [
                    {"role": kp.role, "name": kp.name, "committee": kp.committee, "group": kp.group}
                    for kp in proc.key_players
                ],
                "last_event_date": past[-1].date.isoformat() if past else "",
                "last_event": past[-1].title if past else "",
                "next_date": coming[0].date.isoformat() if coming else "",
                "next_event": coming[0].title if coming else "",
                "documents": list(model.docs_by_proc.get(ref, ())),
                "notes": [n.slug for n in model.notes_by_proc.get(ref, ())],
                "page": base + urls.dossier_path(ref),
                "source_url": proc.url,
            }
        )
    return rows


def _csv_cell(value: object) -> str:
    if isinstance(value, list):
        value = "; ".join(_player_text(v) if isinstance(v, dict) else str(v) for v in value)
    text = str(value)
    # Scraped text opened in a spreadsheet must not become a formula.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def _player_text(player: dict[str, str]) -> str:
    """A key player in one CSV cell: ``WOLTERS Lara (S&D), rapporteur, JURI``."""
    out = player["name"] + (f" ({player['group']})" if player["group"] else "")
    return out + "".join(f", {player[k]}" for k in ("role", "committee") if player[k] and player[k] != "other")


def _json_export(data: object) -> bytes:
    """The bytes of ``json.dumps(data, ensure_ascii=False, indent=1)`` (the tests check it), in a
    tenth of the time: Python's json has no C encoder for indented output."""
    return msgspec.json.format(msgspec.json.encode(data), indent=1)


def exports(model: SiteModel) -> dict[str, bytes]:
    rows = _dossier_rows(model)
    data = {
        "generated": model.now.isoformat(timespec="seconds"),
        "site": model.base_url,
        "count": len(rows),
        "dossiers": rows,
    }
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(row[c]) for c in EXPORT_COLUMNS])
    return {
        "dossiers.json": _json_export(data),
        "dossiers.csv": buf.getvalue().encode("utf-8-sig"),
    }
