"""The manifest of a recording: which file answers which request.

An entry answers a URL (or, with ``any_query``, its address whatever the query string), and
optionally only a variant of it: the Cellar notice type asked for (``Accept:
application/xml;notice=branch``), another media type (``Accept: application/xhtml+xml`` for the
text of the same work), or — for POSTed SPARQL queries, which all go to one address — a text the
query must contain (``match``). Entries may also record a status without a body (204: an EP feed
with nothing new), extra headers, a ``gap``: a request a live crawl makes whose answer was not
recorded (the replay says so instead of pretending the page does not exist), or a ``drop``: a
connection closed without an answer. ``delay`` holds the answer back that many seconds (the
tests' slow sites).

A manifest is data from elsewhere: each entry is checked whole (types, values), and a file is
served only if it is a regular file inside the recording's folder once symlinks are resolved —
no absolute path, no ``..``, no device, FIFO or ``/proc`` file. What is wrong is one line naming
the manifest and the entry.
"""

from __future__ import annotations

import json
import stat
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import parse_qs

from ..errors import CrawlError

MANIFEST = "manifest.json"
_BODILESS = (204, 304)


@dataclass(frozen=True)
class Entry:
    url: str
    file: str = ""
    content_type: str = "text/html; charset=utf-8"
    notice: str = ""  # Cellar: the notice type asked for in the Accept header (branch, tree)
    accept: str = ""  # another media type the request must ask for (application/xhtml+xml)
    match: str = ""  # POST: a text the query (form field "query") must contain
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    handmade: bool = False
    gap: bool = False  # asked by a live crawl, not recorded
    drop: bool = False  # the connection was closed without an answer (a recorded network failure)
    any_query: bool = False  # answer this URL whatever its query string
    note: str = ""
    delay: float = 0.0  # seconds before the answer (a slow site)

    def address(self) -> str:
        return self.url.split("?", 1)[0] if self.any_query else self.url

    def key(self) -> tuple[str, str, str, str]:
        return (self.address(), self.notice, self.accept, self.match)


def notice_of(accept: str) -> str:
    """``application/xml;notice=branch`` → ``branch``."""
    for part in (accept or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == "notice":
            return value.strip()
    return ""


def media_type_of(accept: str) -> str:
    """The first media type an Accept header names: ``application/xhtml+xml`` (lower case)."""
    return (accept or "").split(",", 1)[0].split(";", 1)[0].strip().lower()


def query_of(body: bytes) -> str:
    """The SPARQL query of a form-encoded POST body ("" for anything else)."""
    try:
        return (parse_qs(body.decode("utf-8")).get("query") or [""])[0]
    except UnicodeDecodeError:
        return ""


def find(entries: list[Entry], url: str, accept: str = "", body: bytes = b"") -> Entry | None:
    """The entry that answers a request: same URL (or address, for ``any_query``), same notice
    type, same media type when the entry names one, and its ``match`` in the POSTed query."""
    notice, media, query = notice_of(accept), media_type_of(accept), query_of(body)
    address = url.split("?", 1)[0]
    best: tuple[int, Entry] | None = None
    for entry in entries:
        if entry.url != url and not (entry.any_query and entry.address() == address):
            continue
        if (
            entry.notice != notice
            or (entry.accept and entry.accept != media)
            or (entry.match and entry.match not in query)
        ):
            continue
        score = (entry.url == url) * 4 + bool(entry.accept) * 2 + bool(entry.match)
        if best is None or score > best[0]:
            best = (score, entry)
    return best[1] if best else None


_MAX_DELAY = 600.0


def _checked(raw: Any) -> Entry:
    """An entry from its JSON form; ``ValueError`` says what is wrong with it."""
    if not isinstance(raw, dict):
        raise ValueError(f"is not an object (got {type(raw).__name__})")
    values: dict[str, Any] = {}
    for f in fields(Entry):
        if f.name not in raw:
            continue
        value = raw[f.name]
        default = getattr(Entry(url=""), f.name)
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, int):
            ok = isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599
        elif isinstance(default, float):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= _MAX_DELAY
        elif isinstance(default, dict):
            ok = isinstance(value, dict) and all(
                isinstance(k, str) and isinstance(v, str) and not any(c in k + v for c in "\r\n")
                for k, v in value.items()
            )
        else:
            ok = isinstance(value, str)
        if not ok:
            raise ValueError(f"has a bad {f.name!r}: {json.dumps(value)[:80]}")
        values[f.name] = value
    if not values.get("url"):
        raise ValueError("has no 'url'")
    return Entry(**values)


def body_path(folder: Path, name: str) -> Path:
    """The file ``name`` of the recording ``folder``, if it is a regular file inside it (symlinks
    resolved); ``ValueError`` otherwise. Checked again when a file is served."""
    if PurePosixPath(name).is_absolute() or PureWindowsPath(name).is_absolute() or PureWindowsPath(name).drive:
        raise ValueError(f"names an absolute path {name!r}")
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        raise ValueError(f"names a path outside the recording {name!r}")
    root = Path(folder).resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root):
        raise ValueError(f"names a file outside the recording {name!r} (a link to {path})")
    try:
        mode = path.stat().st_mode
    except OSError:
        raise ValueError(f"names a missing file {name!r}") from None
    if not stat.S_ISREG(mode):
        raise ValueError(f"names {name!r}, which is not a regular file")
    return path


def load(folder: Path) -> list[Entry]:
    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise CrawlError(f"{folder}: not a recording (no {MANIFEST})") from None
    except RecursionError:
        raise CrawlError(f"{path}: unreadable manifest: nested too deeply") from None
    except (OSError, ValueError) as e:
        raise CrawlError(f"{path}: unreadable manifest: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("entries", []), list):
        raise CrawlError(f"{path}: a manifest is an object whose 'entries' is a list")
    entries: dict[tuple[str, str, str, str], Entry] = {}
    for i, raw in enumerate(data.get("entries", []), 1):
        try:
            entry = _checked(raw)
            if entry.file:
                body_path(folder, entry.file)
            elif not (entry.gap or entry.drop) and entry.status not in _BODILESS:
                raise ValueError("has no file (only gaps and 204/304 answers have none)")
        except ValueError as e:
            raise CrawlError(f"{path}: entry #{i} {e}") from None
        entries[entry.key()] = entry
    return list(entries.values())


def save(folder: Path, entries: list[Entry], comment: str) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    defaults = asdict(Entry(url=""))
    rows = [
        {k: v for k, v in asdict(e).items() if v != defaults[k] or k in ("url", "file")}
        for e in sorted(entries, key=Entry.key)
    ]
    data = {"comment": comment, "entries": rows}
    (folder / MANIFEST).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", "utf-8")
