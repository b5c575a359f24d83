"""What a spider remembers between runs, kept in the data dir: HTTP validators (ETag /
Last-Modified) per URL, the content hash of every page parsed, and the feed entries already
followed. This is what makes a re-run fetch only what changed."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class CrawlState:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        data: dict[str, Any] = {}
        if self.path.is_file():
            try:
                data = json.loads(self.path.read_text("utf-8"))
            except (OSError, ValueError):
                data = {}  # a damaged state only costs a full re-fetch
        self.validators: dict[str, dict[str, str]] = dict(data.get("validators") or {})
        self.hashes: dict[str, str] = dict(data.get("hashes") or {})
        self.entries: set[str] = set(data.get("entries") or [])

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

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(
            json.dumps(
                {"validators": self.validators, "hashes": self.hashes, "entries": sorted(self.entries)},
                indent=1,
                sort_keys=True,
            ),
            "utf-8",
        )
        os.replace(tmp, self.path)  # atomic: a crash never leaves half a state file
