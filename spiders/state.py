"""What a spider remembers between runs, kept in the data dir: HTTP validators (ETag /
Last-Modified) per URL, the content hash of every page parsed, the feed entries already
followed, and per query or feed the start of its last successful run (its watermark: the next
run asks only for what changed since). This is what makes a re-run fetch only what changed."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from policytrack.errors import TimestampError
from policytrack.timeutil import parse_utc, utc_text


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class CrawlState:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        data = _read_json(self.path)  # a damaged state only costs a full re-fetch
        self.validators: dict[str, dict[str, str]] = dict(data.get("validators") or {})
        self.hashes: dict[str, str] = dict(data.get("hashes") or {})
        self.entries: set[str] = set(data.get("entries") or [])
        self.watermarks: dict[str, str] = dict(data.get("last_success") or {})

    # -- conditional requests
    def validators_for(self, url: str) -> dict[str, str]:
        return self.validators.get(url, {})

    def remember_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        found = {k: v for k, v in (("etag", etag), ("last_modified", last_modified)) if v}
        if found:
            self.validators[url] = found

    def forget(self, url: str) -> None:
        """Drop what is known about ``url`` so that the next run fetches and parses it again."""
        self.validators.pop(url, None)
        self.hashes.pop(url, None)

    # -- content hashes
    def unchanged(self, url: str, body: bytes) -> bool:
        return self.hashes.get(url) == body_hash(body)

    def remember_content(self, url: str, body: bytes) -> None:
        self.hashes[url] = body_hash(body)

    # -- feed entries
    def seen(self, key: str) -> bool:
        return key in self.entries

    def mark_seen(self, key: str) -> None:
        self.entries.add(key)

    def unsee(self, key: str) -> None:
        """Follow the entry ``key`` again next run (what it led to was not stored)."""
        self.entries.discard(key)

    # -- last successful run per query / feed
    def last_success(self, name: str) -> datetime | None:
        """When the last run that completed ``name`` (a query or feed: it answered, and every page
        it led to was handled) started; None before the first such run."""
        raw = self.watermarks.get(name)
        try:
            return parse_utc(raw) if raw else None
        except (ValueError, TimestampError):
            return None  # a damaged stamp only costs a full query

    def succeeded(self, name: str, started: datetime) -> None:
        self.watermarks[name] = utc_text(started)

    def save(self) -> None:
        _write_json(
            self.path,
            {
                "validators": self.validators,
                "hashes": self.hashes,
                "entries": sorted(self.entries),
                "last_success": self.watermarks,
            },
        )


class NameCache:
    """Names of the people a source names only by number (the EP API's ``person/256884``), in a
    file of their own next to the spider's state, so that each person is asked for once across
    runs; and the records stored with a stand-in label because a person's record could not be
    read for a passing reason (a timeout, a server error), to be read again next run."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        data = _read_json(self.path)  # a damaged cache only costs asking the people again
        names, retry = data.get("names"), data.get("retry")
        self.names: dict[str, str] = {
            str(k): v for k, v in (names.items() if isinstance(names, dict) else ()) if isinstance(v, str) and v
        }
        self.retry: set[str] = {u for u in (retry if isinstance(retry, list) else ()) if isinstance(u, str)}

    def save(self) -> None:
        _write_json(self.path, {"names": self.names, "retry": sorted(self.retry)})


def _read_json(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``; empty when the file is missing, unreadable or not an object."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), "utf-8")
    os.replace(tmp, path)  # atomic: a crash never leaves half a file
