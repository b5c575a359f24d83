"""Helpers shared by the site tests (kept out of conftest.py so that tests can import them)."""

from __future__ import annotations

import os
from pathlib import Path

from site_corpus import NOW

from policytrack.config import load_settings
from policytrack.website import BuildOptions

# Overridable only so that the missing-browser behaviour itself can be tested.
CHROMIUM = os.environ.get("POLICYTRACK_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-output" / "screenshots"


def default_settings(tmp: Path):
    """The shipped defaults (topics, title), read without any user configuration."""
    return load_settings(env={}, cwd=tmp)


def options(out: Path, store: Path | None, content: Path | None, *, search: bool = False, **kw) -> BuildOptions:
    s = default_settings(out.parent)
    return BuildOptions(
        out_dir=out,
        content_dir=content,
        store_path=store,
        now=kw.pop("now", NOW),
        title=s.site.title,
        base_url=kw.pop("base_url", "http://127.0.0.1:8000/"),
        topics=s.topics,
        search=search,
        **kw,
    )
