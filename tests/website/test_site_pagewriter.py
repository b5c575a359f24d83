"""Pages rendered by forked workers are the pages rendered in one process."""

from __future__ import annotations

import shutil

import pytest
from jinja2 import UndefinedError
from site_helpers import options
from test_site_published import assert_same_site

from policytrack.resources import site_dir
from policytrack.website import build_site, pagewriter


@pytest.fixture
def many_workers(monkeypatch):
    """Workers even for the test site's few pages, three pages at a time."""
    monkeypatch.setattr(pagewriter, "PARALLEL_MIN", 0)
    monkeypatch.setattr(pagewriter, "CHUNK", 3)
    if pagewriter.workers_available() < 2:
        monkeypatch.setattr(pagewriter, "workers_available", lambda: 2)
    started = []
    real = pagewriter.multiprocessing.get_context

    def get_context(method):
        started.append(method)
        return real(method)

    monkeypatch.setattr(pagewriter.multiprocessing, "get_context", get_context)
    return started


def test_workers_write_the_same_site(tmp_path, demo_store, content, many_workers):
    alone = build_site(options(tmp_path / "alone", demo_store, content, workers=1))
    shared = build_site(options(tmp_path / "shared", demo_store, content, workers=2, force=True))
    assert alone.ok and shared.ok and shared.written == alone.written > 25
    assert many_workers == ["fork"]  # the second build, not the first
    assert_same_site(tmp_path / "shared", tmp_path / "alone")


def test_a_template_error_in_a_worker_stops_the_build(tmp_path, demo_store, content, many_workers):
    templates = tmp_path / "site"
    shutil.copytree(site_dir(), templates, ignore=shutil.ignore_patterns("content"))
    page = templates / "templates" / "document.html"
    page.write_text(page.read_text("utf-8").replace("{{ doc.title }}", "{{ doc.no_such_field }}", 1), "utf-8")
    with pytest.raises(UndefinedError, match="no_such_field"):
        build_site(options(tmp_path / "out", demo_store, content, workers=2, site_dir=templates))
