"""Digest fixtures: a store built from model objects, settings, and a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from policytrack.config import Settings, load_settings
from policytrack.model import Document, Event, Note, Procedure
from policytrack.store import Store

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
SECRET = "test-secret-not-for-production"
BASE_URL = "https://tracker.example.org/"


def make_settings(tmp_path: Path, port: int = 25, **digest) -> Settings:
    overrides = {
        "project": {"data_dir": str(tmp_path / "data")},
        "site": {"base_url": BASE_URL, "content_dir": str(tmp_path / "content")},
        "digest": {"secret": SECRET, "smtp_host": "127.0.0.1", "smtp_port": port, **digest},
    }
    return load_settings(env={}, cwd=tmp_path, overrides=overrides)


def corpus(now: datetime) -> dict[str, list]:
    """Items in three batches: baseline (30 days ago), an old change (10 days ago) and this week's."""
    today = now.date()
    csddd = Procedure(
        id="proc:2022/0051(COD)",
        reference="2022/0051(COD)",
        source="oeil",
        title="Corporate sustainability due diligence",
        stage="Awaiting Council's 1st reading position",
        topics=("due-diligence",),
        events=(
            Event(date="2022-02-23", title="Legislative proposal published"),
            Event(date=today + timedelta(days=14), title="Plenary vote on the corrigendum", forecast=True),
        ),
    )
    repair = Procedure(
        id="proc:2023/0083(COD)",
        reference="2023/0083(COD)",
        source="oeil",
        title="Right to repair",
        stage="Procedure completed",
        status="completed",
        topics=("circular-electronics",),
        events=(Event(date="2023-03-22", title="Legislative proposal published"),),
    )
    procurement = Procedure(
        id="proc:2011/0438(COD)",
        reference="2011/0438(COD)",
        source="oeil",
        title="Public procurement",
        stage="Procedure completed",
        status="completed",
        topics=("public-procurement",),
    )
    directive = Document(
        id="celex:32024L1760",
        title="Directive (EU) 2024/1760 on due diligence",
        source="eurlex",
        doc_type="directive",
        celex="32024L1760",
        date="2024-06-13",
        topics=("due-diligence",),
    )
    weee = Document(
        id="celex:32012L0019",
        title="Directive 2012/19/EU on waste electrical equipment (WEEE)",
        source="eurlex",
        doc_type="directive",
        celex="32012L0019",
        date="2012-07-04",
        topics=("circular-electronics",),
        dates={"transposition": today + timedelta(days=20)},
    )
    baseline = [csddd, repair, procurement, directive, weee]
    old = [
        Document(
            id="ep:A-9-2023-0184",
            title="Report on due diligence (old news)",
            source="ep-odp",
            doc_type="report",
            procedure="2022/0051(COD)",
            date=today - timedelta(days=11),
            topics=("due-diligence",),
        )
    ]
    week = [
        csddd.replace(stage="Awaiting Parliament's position in 2nd reading"),
        Document(
            id="press:20250307IPR1",
            title="MEPs <script>alert('x')</script> & the \"omnibus\"",
            source="ep-press",
            doc_type="press release",
            procedure="2022/0051(COD)",
            date=today - timedelta(days=3),
            topics=("due-diligence",),
        ),
        repair.replace(events=(*repair.events, Event(date=today - timedelta(days=2), title="Act published in OJ"))),
        weee.replace(summary="Amended by Directive (EU) 2024/884."),
        Document(
            id="celex:52025PC0001",
            title="Proposal on socially responsible tenders",
            source="eurlex",
            doc_type="proposal",
            celex="52025PC0001",
            date=today - timedelta(days=4),
            eurovoc=("public procurement",),
            topics=("public-procurement",),
        ),
    ]
    return {"baseline": baseline, "old": old, "week": week}


def fill_store(path: Path, now: datetime) -> Store:
    store = Store(path)
    batches = corpus(now)
    store.upsert(batches["baseline"], now - timedelta(days=30))
    store.upsert(batches["old"], now - timedelta(days=10))
    store.upsert(batches["week"], now - timedelta(days=2))
    return store


def notes(now: datetime) -> list[Note]:
    today = now.date()
    return [
        Note(
            id="note:omnibus-briefing",
            slug="omnibus-briefing",
            note_type="briefing",
            title="What the omnibus means for due diligence",
            date=today - timedelta(days=1),
            summary="Our reading of the proposal.",
            topics=("due-diligence",),
        ),
        Note(
            id="note:repair-old",
            slug="repair-old",
            note_type="recommendation",
            title="Old repair asks",
            date=today - timedelta(days=20),
            topics=("circular-electronics",),
        ),
        Note(
            id="note:coalition-news",
            slug="coalition-news",
            note_type="briefing",
            title="Coalition annual plan",
            date=today - timedelta(days=3),
        ),
        Note(
            id="note:research-entry",
            slug="research-entry",
            note_type="research",
            title="A research entry",
            date=today - timedelta(days=2),
            topics=("due-diligence",),
        ),
    ]


def write_notes(folder: Path, now: datetime) -> None:
    """The same notes as Markdown files, for runs that load content like the CLI does."""
    kinds = {"briefing": "briefings", "recommendation": "recommendations", "research": "research"}
    for n in notes(now):
        target = folder / kinds[n.note_type] / f"{n.slug}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        topics = "[" + ", ".join(n.topics) + "]"
        target.write_text(
            f'---\ntitle: "{n.title}"\ndate: {n.date.isoformat()}\nsummary: "{n.summary}"\n'
            f"topics: {topics}\n---\nBody.\n",
            "utf-8",
        )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def store(tmp_path: Path):
    with fill_store(tmp_path / "store.sqlite3", NOW) as s:
        yield s


# ---------------------------------------------------------------- a real SMTP server


@dataclass
class Received:
    rcpt: list[str]
    message: EmailMessage
    raw: bytes


@dataclass
class Recorder:
    """aiosmtpd handler that keeps what it accepted and can misbehave on purpose."""

    messages: list[Received] = field(default_factory=list)  # accepted (what the mailbox holds)
    seen: list[Received] = field(default_factory=list)  # every complete DATA, accepted or not
    refuse: set[str] = field(default_factory=set)  # recipients answered with 550
    dedupe: bool = False  # accept a repeated Message-ID but keep one copy (as Gmail does)
    data_delay: float = 0.0  # at most this many seconds (random) between queueing and the reply
    mail_seen: threading.Event = field(default_factory=threading.Event)  # a first MAIL arrived
    last_kept: float = 0.0  # time.monotonic() of the last message accepted
    drop_at_mail_after: int | None = None  # after N accepted messages: drop every connection
    drop_in_data_after: int | None = None  # after N accepted: drop the next one during DATA
    down: bool = False
    hold_data_after: int | None = None  # after N accepted: hold the next DATA until ``release``
    accept_held: bool = False  # after ``release``: accept the held message (else 451)
    data_held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def recipients(self) -> list[str]:
        with self.lock:
            return [r for m in self.messages for r in m.rcpt]

    def accepted_ids(self) -> set[str]:
        """The Message-IDs this server took: what its mail log would show as accepted."""
        with self.lock:
            return {m.message["Message-ID"] for m in self.messages}

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.down:
            server.transport.close()
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mail_seen.set()
        with self.lock:
            if self.drop_at_mail_after is not None and len(self.messages) >= self.drop_at_mail_after:
                self.down = True
        if self.down:
            server.transport.close()
            return "421 4.3.0 going away"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        received = Received(list(envelope.rcpt_tos), message_from_bytes(raw, policy=policy.default), raw)
        with self.lock:
            self.seen.append(received)
        if self.hold_data_after is not None and len(self.messages) >= self.hold_data_after:
            self.hold_data_after = None
            held = self.accept_held
            if held:  # queued at once (like a real server), only the reply waits
                self._keep(received)
            self.data_held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
            return f"250 2.0.0 accepted as {len(self.seen)}" if held else "451 4.3.0 not accepted"
        with self.lock:
            if self.drop_in_data_after is not None and len(self.messages) >= self.drop_in_data_after:
                self.drop_in_data_after = None
                server.transport.close()
                return "451 4.3.0 dropped"
        self._keep(received)
        if self.data_delay:  # queued; a busy server takes a while to say so
            await asyncio.sleep(random.uniform(0, self.data_delay))
        return f"250 2.0.0 accepted as {len(self.seen)}"

    def _keep(self, received: Received) -> None:
        with self.lock:
            known = {m.message["Message-ID"] for m in self.messages}
            if not (self.dedupe and received.message["Message-ID"] in known):
                self.messages.append(received)
            self.last_kept = time.monotonic()


class LocalController(Controller):
    """aiosmtpd's Controller on a free port chosen by the OS (port=0)."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@pytest.fixture
def smtp_server():
    recorder = Recorder()
    controller = LocalController(recorder, hostname="127.0.0.1", port=0)
    controller.start()
    recorder.port = controller.port  # type: ignore[attr-defined]
    try:
        yield recorder
    finally:
        controller.stop()
