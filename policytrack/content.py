"""Load the coalition's own content: Markdown files with YAML front matter.

``content/briefings/*.md``, ``content/recommendations/*.md``, ``content/research/*.md``.
The folder decides the kind unless the front matter says ``type:``. Loading validates every
file and reports problems with the file and line; rendering is the site builder's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from .errors import ContentError, PolicytrackError
from .model import Note

_FOLDER_KIND = {"briefings": "briefing", "recommendations": "recommendation", "research": "research"}


@dataclass(frozen=True)
class Reference:
    """Where a note names a procedure or act, for build warnings with file and line."""

    file: Path
    line: int
    value: str


def _line_of(text: str, needle: str) -> int:
    for n, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return n
    return 1


def line_of(path: str | Path, needle: str) -> int:
    """The first line of a content file that contains ``needle`` (1 when none or unreadable)."""
    try:
        return _line_of(Path(path).read_text("utf-8"), needle)
    except (OSError, UnicodeDecodeError):
        return 1


def load_note(path: Path) -> Note:
    try:
        raw = path.read_text("utf-8")
        post = frontmatter.loads(raw)
    except UnicodeDecodeError:
        raise ContentError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as e:
        # The start of the broken construct (an unclosed bracket…) says more than where the
        # parser gave up; both count lines from the top of the file.
        mark = getattr(e, "context_mark", None) or getattr(e, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise ContentError(f"{path}{where}: bad front matter: {getattr(e, 'problem', e)}") from None
    if not isinstance(post.metadata, dict):
        raise ContentError(f"{path}:1: front matter must be a mapping of fields")
    meta: dict[str, Any] = dict(post.metadata)
    for required in ("title", "date"):
        if meta.get(required) in (None, ""):
            raise ContentError(f"{path}:1: invalid note: field '{required}' is required")
    kind = meta.pop("type", None) or _FOLDER_KIND.get(path.parent.name)
    slug = meta.pop("slug", None) or path.stem
    data = {
        "id": f"note:{slug}",
        "slug": slug,
        "note_type": kind,
        "body": post.content,
        "source_file": str(path),
        **meta,
    }
    try:
        return Note.from_dict(data)
    except TypeError as e:  # a field of the wrong shape (e.g. an ask that is not a mapping)
        raise ContentError(f"{path}:1: invalid note: {e}") from None
    except PolicytrackError as e:
        field = getattr(e, "field", "").split(".")[0]
        line = _line_of(raw, f"{field}:") if field else 1
        raise ContentError(f"{path}:{line}: {e}") from None


def load_content(folder: Path) -> tuple[list[Note], list[ContentError]]:
    """Every note under ``folder``, sorted newest first, and the files that failed to load."""
    notes: list[Note] = []
    errors: list[ContentError] = []
    if not folder.is_dir():
        return notes, errors
    for path in sorted(folder.rglob("*.md")):
        try:
            notes.append(load_note(path))
        except ContentError as e:
            errors.append(e)
    slugs: dict[str, Path] = {}
    for note in notes:
        if note.slug in slugs:
            errors.append(ContentError(f"{note.source_file}:1: slug {note.slug!r} already used by {slugs[note.slug]}"))
        slugs[note.slug] = Path(note.source_file)
    notes.sort(key=lambda n: (n.date, n.slug), reverse=True)
    return notes, errors


def references(note: Note) -> list[Reference]:
    """The procedures and acts a note names, with the line where each appears in its file."""
    path = Path(note.source_file)
    try:
        raw = path.read_text("utf-8")
    except OSError:
        raw = ""
    values = [*note.procedures, *note.celex]
    for ask in note.asks:
        values += [v for v in (ask.procedure, ask.celex) if v]
    out, seen = [], set()
    for value in values:
        if value in seen:
            continue
        seen.add(value)
        needle = value if value in raw else value.split("(")[0]
        out.append(Reference(path, _line_of(raw, needle), value))
    return out
