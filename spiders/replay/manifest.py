"""The manifest of a recording: which file answers which request."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import CrawlError

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Entry:
    url: str
    file: str
    content_type: str = "text/html; charset=utf-8"
    notice: str = ""  # Cellar: the notice type asked for in the Accept header (branch, tree)
    handmade: bool = False
    any_query: bool = False  # answer this URL whatever its query string (e.g. a SPARQL query)
    note: str = ""

    def key(self) -> tuple[str, str]:
        return (self.url.split("?", 1)[0] if self.any_query else self.url, self.notice)


def notice_of(accept: str) -> str:
    """``application/xml;notice=branch`` → ``branch``."""
    for part in (accept or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == "notice":
            return value.strip()
    return ""


def load(folder: Path) -> dict[tuple[str, str], Entry]:
    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise CrawlError(f"{folder}: not a recording (no {MANIFEST})") from None
    except (OSError, ValueError) as e:
        raise CrawlError(f"{path}: unreadable manifest: {e}") from None
    entries = {}
    for i, raw in enumerate(data.get("entries", []) if isinstance(data, dict) else [], 1):
        try:
            entry = Entry(**{k: v for k, v in raw.items() if k in Entry.__dataclass_fields__})
        except TypeError as e:
            raise CrawlError(f"{path}: entry #{i} is malformed: {e}") from None
        if not (Path(folder) / entry.file).is_file():
            raise CrawlError(f"{path}: entry #{i} names a missing file {entry.file!r}")
        entries[entry.key()] = entry
    return entries


def save(folder: Path, entries: list[Entry], comment: str) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = {"comment": comment, "entries": [e.__dict__ for e in sorted(entries, key=Entry.key)]}
    (folder / MANIFEST).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", "utf-8")
