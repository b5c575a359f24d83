"""The Jinja2 environment: autoescape everywhere, strict undefined, URL helpers.

Links between pages are relative (``../../dossiers/…/``) so that the built folder works on any
host and under any sub-path; feeds and the sitemap use absolute URLs from ``base_url``.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import BytecodeCache, Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined, pass_context
from markupsafe import Markup

from .. import urls
from ..identifiers import act_label
from ..merge import SOURCE_NAMES
from ..upcoming import event_actor, event_deadline
from .markdown import render_markdown

ACTORS = (
    ("commission", ("commission",)),
    ("parliament", ("parliament", "ep ", "committee", "plenary", "rapporteur")),
    ("council", ("council", "coreper", "presidency")),
)


def root_of(path: str) -> str:
    """The relative way back to the site root from a page at ``path``."""
    return "../" * path.count("/")


@pass_context
def _rel(ctx: Any, path: str) -> str:
    return ctx["root"] + path if path else (ctx["root"] or "./")


def _date(value: date | datetime | None, fmt: str = "long") -> str:
    if value is None:
        return ""
    if fmt == "iso":
        return value.isoformat()
    return _day(value.date() if isinstance(value, datetime) else value, fmt == "long")


@lru_cache(maxsize=8192)  # a site shows the same few thousand days on many pages
def _day(day: date, long: bool) -> str:
    return f"{day.day} {day.strftime('%B %Y' if long else '%b %Y')}"


def actor_class(actor: str) -> str:
    """Which institution an event belongs to, for the timeline's colour and label."""
    low = f"{actor.lower()} "
    for name, needles in ACTORS:
        if any(n in low for n in needles):
            return name
    return "other"


def source_name(source: str) -> str:
    """``oeil`` → ``Legislative Observatory (OEIL)``: how a page names where a fact came from."""
    return SOURCE_NAMES.get(source, source)


def _markdown(text: str) -> Markup:
    # render_markdown returns nh3-sanitised HTML: the one place markup is marked safe.
    return Markup(render_markdown(text))


def _bytecode_cache() -> BytecodeCache | None:
    """Jinja's own cache of compiled templates (a private folder per user under the system's
    temporary folder, made and checked by Jinja): compiling the templates again cost a rebuild
    that renders a few pages more than rendering them. None where Jinja finds no safe folder."""
    try:
        return FileSystemBytecodeCache()
    except (OSError, RuntimeError):
        return None


def make_environment(template_dir: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(template_dir)),
        bytecode_cache=_bytecode_cache(),
        autoescape=True,  # every template, whatever its extension
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        rel=_rel, date=_date, markdown=_markdown, actor=actor_class, celex_label=act_label, source_name=source_name
    )
    env.globals.update(
        dossier_path=urls.dossier_path,
        document_path=urls.document_path,
        note_path=urls.note_path,
        topic_path=urls.topic_path,
        item_path=urls.item_path,
        event_actor=event_actor,
        event_deadline=event_deadline,
    )
    return env
