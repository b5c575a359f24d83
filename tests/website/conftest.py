"""Fixtures of the site tests: a store built from model objects, built sites, a local HTTP
server on 127.0.0.1 and pages of Debian's chromium (the session's ``browser``: tests/conftest.py)."""

from __future__ import annotations

import functools
import http.server
import shutil
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from site_corpus import fill_store
from site_helpers import options

from policytrack.resources import site_dir
from policytrack.website import build_site


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fill_store(tmp_path_factory.mktemp("store") / "store.sqlite3")


@pytest.fixture()
def content(tmp_path: Path) -> Path:
    """A copy of the sample content, for tests that edit it."""
    folder = tmp_path / "content"
    shutil.copytree(site_dir() / "content", folder)
    return folder


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory, demo_store: Path) -> Path:
    """The sample content of site/content over the test store, with the search index."""
    out = tmp_path_factory.mktemp("demo") / "public"
    result = build_site(options(out, demo_store, site_dir() / "content", search=True))
    assert result.ok, result.errors
    assert result.warnings == [], result.warnings
    return out


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="session")
def serve():
    """Start a static HTTP server on 127.0.0.1 for a folder; returns its base URL."""
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(_Handler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()
