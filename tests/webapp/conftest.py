"""Fixtures of the app's tests: a project (settings, store, embedded index), a real SMTP server
(aiosmtpd) on 127.0.0.1, the app behind Starlette's test client with a clock the test moves, a
real uvicorn server on 127.0.0.1, and Debian's chromium driven by Playwright."""

from __future__ import annotations

import re
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).parent))

from app_corpus import NOW, SECRET, SITE_URL, items

from indexer.embedded import EmbeddedBackend
from policytrack.config import Settings, load_settings
from policytrack.store import Store
from policytrack.webapp import Services, create_app

# ---------------------------------------------------------------- a real SMTP server


class Inbox:
    """aiosmtpd handler keeping every accepted message."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(
                message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
            )
        return "250 2.0.0 accepted"

    def wait(self, count: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} messages, got {len(self.messages)}")

    def link(self, index: int = -1) -> str:
        """The one http(s) link of a message's text."""
        body = self.messages[index].get_body(("plain",)).get_content()
        found = re.findall(r"https?://\S+", body)
        assert len(found) == 1, found
        return found[0]


class _Controller(Controller):
    def _trigger_server(self):  # port 0: the OS picks a free one
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox()
    controller = _Controller(box, hostname="127.0.0.1", port=0)
    controller.start()
    box.port = controller.port
    try:
        yield box
    finally:
        controller.stop()


# ---------------------------------------------------------------- a project


def make_settings(tmp: Path, smtp_port: int = 25, *, app_url: str = "", **app: object) -> Settings:
    overrides = {
        "project": {"data_dir": str(tmp / "data")},
        "site": {"base_url": SITE_URL, "content_dir": str(tmp / "content"), "app_url": app_url},
        "digest": {"secret": SECRET, "smtp_host": "127.0.0.1", "smtp_port": smtp_port},
        "app": {"search_connections": 2, **app},
    }
    return load_settings(env={}, cwd=tmp, overrides=overrides)


def build_index(settings: Settings, extra: list | None = None) -> None:
    with Store(settings.store_path, topics=settings.topics) as store:
        store.upsert([*items(), *(extra or [])], NOW)
        with EmbeddedBackend(settings.data_dir / "index.sqlite3") as backend:
            backend.index(((r.item, r.last_changed) for r in store.records()), rebuild=True)


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Project:
    settings: Settings
    clock: Clock = field(default_factory=Clock)

    def services(self, public_url: str = "http://testserver/") -> Services:
        s = self.settings
        return Services(
            settings=s,
            open_backend=lambda: EmbeddedBackend(s.data_dir / "index.sqlite3"),
            open_store=lambda: Store(s.store_path),
            public_url=public_url,
            clock=self.clock,
        )

    def subscriber(self, email: str):
        with Store(self.settings.store_path) as store:
            return store.subscribers.get(email)


@pytest.fixture
def make_project(tmp_path: Path, inbox: Inbox):
    def make(**app: object) -> Project:
        settings = make_settings(tmp_path, inbox.port, **app)
        build_index(settings)
        return Project(settings)

    return make


@pytest.fixture
def project(make_project) -> Project:
    return make_project()


@pytest.fixture
def make_client(make_project):
    from starlette.testclient import TestClient

    clients = []

    def make(**app: object):
        proj = make_project(**app)
        client = TestClient(create_app(proj.services()), base_url="http://testserver")
        client.__enter__()
        clients.append(client)
        client.project = proj
        return client

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def client(make_client):
    return make_client()


# ---------------------------------------------------------------- a real server and a browser


class LiveServer:
    """uvicorn serving the app on 127.0.0.1 in a thread, on a socket bound before the app is
    made (so the app's public URL can name its port)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/"
        self.server = None
        self.thread: threading.Thread | None = None

    def start(self, app) -> str:
        import uvicorn

        config = uvicorn.Config(app, log_level="warning", lifespan="on", proxy_headers=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self.url

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(10)
        self.sock.close()


@pytest.fixture
def live_server() -> Iterator[LiveServer]:
    server = LiveServer()
    yield server
    server.stop()


@pytest.fixture
def live(live_server: LiveServer, project: Project) -> str:
    """The test project's app on a real uvicorn server; returns its base URL."""
    return live_server.start(create_app(project.services(live_server.url)))


@pytest.fixture
def page(browser):
    """A page with JavaScript switched off: the app must work without it (and runs none)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


@pytest.fixture
def js_page(browser):
    """A page with JavaScript on: where a payload would run if it got through."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()
