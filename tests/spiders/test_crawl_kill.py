"""kill -9 of ``policytrack crawl``: its child stops with it and writes nothing more; the
temporary folder it leaves is removed by the next run (spiders/child.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from crawl_fixtures import project_fixture  # noqa: F401 (pytest fixture `project`)
from recordings import RSS, SHIPPED, recording, rss

from spiders import child

FEED = "https://eur-lex.europa.eu/EN/display-feed.rss?rssId=162"
PAGE = (SHIPPED / "handmade" / "eurlex_legal-content_EN-ALL_CELEX-32017R0821.html").read_bytes()
PAGES = [f"https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:3201{n % 10}R{800 + n:04d}" for n in range(64)]


def slow_recording(folder: Path) -> Path:
    """A feed of 64 pages, each answered after 2 s: with 8 at a time, a crawl of some 16 s."""
    return recording(
        folder,
        {"url": FEED, "content_type": RSS, "body": rss(*((p, "Fri, 05 Jul 2024 00:00:00 GMT") for p in PAGES))},
        *({"url": p, "body": PAGE, "delay": 2} for p in PAGES),
    )


def start(project: Path, rec: Path) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(project / "tmp")}
    (project / "tmp").mkdir(exist_ok=True)
    command = [sys.executable, "-c", "from policytrack.cli import main; main()", "crawl", "--spider", "eurlex"]
    return subprocess.Popen(
        [*command, "--replay", str(rec)], cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def children_of(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has stopped; only its exit status is left


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


def test_kill_9_of_the_crawl_stops_its_child_and_the_next_run_cleans_up(project: Path):
    rec = slow_recording(project / "rec")
    parent = start(project, rec)
    deadline = time.monotonic() + 30
    while not (kids := children_of(parent.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    [kid] = kids
    time.sleep(3)  # the child has started its reactor and is fetching the slow pages
    assert running(kid) and parent.poll() is None
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)

    deadline = time.monotonic() + 5
    while running(kid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running(kid), "the crawl child outlived its parent"
    data = project / "data"
    before = snapshot(data) if data.exists() else {}
    time.sleep(4)  # longer than the rest of the crawl would take
    assert (snapshot(data) if data.exists() else {}) == before  # nothing more written
    left = list((project / "tmp").glob(child.PREFIX + "*"))
    assert len(left) == 1 and (left[0] / child.OWNER).is_file()  # what kill -9 leaves

    quick = recording(project / "quick", {"url": FEED, "content_type": RSS, "body": rss()})
    again = start(project, quick)
    assert again.wait(timeout=120) == 0, again.stderr.read().decode() if again.stderr else ""
    assert list((project / "tmp").glob(child.PREFIX + "*")) == []  # its own and the dead run's


def test_a_folder_whose_owner_lives_is_kept(tmp_path: Path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    mine = child.make_folder()
    dead = tmp_path / f"{child.PREFIX}dead"
    dead.mkdir()
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (dead / child.OWNER).write_text(f"{int(finished.stdout)} 1", "utf-8")
    reused = tmp_path / f"{child.PREFIX}reused"  # our pid, another start time: a reused pid
    reused.mkdir()
    (reused / child.OWNER).write_text(f"{os.getpid()} 1", "utf-8")
    fresh = tmp_path / f"{child.PREFIX}being-made"  # no owner yet: too new to judge
    fresh.mkdir()
    assert sorted(child.sweep(tmp_path)) == sorted([dead, reused])
    assert mine.is_dir() and fresh.is_dir()
