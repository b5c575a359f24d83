"""Small recordings made by the tests (hand-made, named so): a folder with bodies and a manifest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spiders.replay import SHIPPED_RECORDING

SHIPPED = SHIPPED_RECORDING
RSS = "application/rss+xml"


def recording(folder: Path, *entries: dict[str, Any]) -> Path:
    """Write a recording: each entry is a manifest entry whose ``body`` (bytes) becomes its file."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, entry in enumerate(entries):
        entry = dict(entry)
        body = entry.pop("body", None)
        if body is not None:
            name = f"f{i}.bin"
            (folder / name).write_bytes(body)
            entry["file"] = name
        rows.append({"handmade": True, "note": "hand-made by the test", **entry})
    (folder / "manifest.json").write_text(json.dumps({"comment": "hand-made by the test", "entries": rows}), "utf-8")
    return folder


def rss(*links: tuple[str, str]) -> bytes:
    """An RSS 2.0 feed of (link, pubDate) items."""
    items = "".join(
        f"<item><title>{i}</title><link>{link.replace('&', '&amp;')}</link><pubDate>{date}</pubDate></item>"
        for i, (link, date) in enumerate(links)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


def config(project: Path, extra: str) -> Path:
    """The project's policytrack.toml with more settings (e.g. topics watching only a few items)."""
    path = project / "policytrack.toml"
    path.write_text(path.read_text("utf-8") + extra, "utf-8")
    return path
