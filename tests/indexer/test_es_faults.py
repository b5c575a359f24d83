"""Elasticsearch faults as a person meets them: one line, exit 1, a bounded wait.

The node that fails is a second, throw-away node of this test's own (``scripts/es-node`` with
its own ``ES_NODE_DIR``), frozen with SIGSTOP, killed with SIGKILL and restarted empty while
``policytrack`` runs in a child process, so what is asserted is exactly what reaches stderr.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from index_corpus import es_url

from policytrack.model import Document
from policytrack.store import Store

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "es-node"
ITEMS = 12_000  # enough for the bulk load to take seconds, so the fault lands inside it
FROZEN_TIMEOUT = 8  # es_timeout while frozen: short, yet above a busy node's slowest answer


def policytrack(args: list[str], cwd: Path, **popen) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYTRACK_")}
    return subprocess.Popen(
        [sys.executable, "-c", "from policytrack.cli import main; main()", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def finish(proc: subprocess.Popen, timeout: float = 180) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def project(folder: Path, url: str, *, items: int = ITEMS, timeout: float = 30) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "policytrack.toml").write_text(
        f'[project]\ndata_dir = "data"\n[index]\nbackend = "elasticsearch"\nes_url = "{url}"\nes_timeout = {timeout}\n',
        "utf-8",
    )
    docs = [
        Document(
            id=f"ep:A-9-{2000 + i // 9000}-{i % 9000:04d}",
            title=f"Report {i} on the repair of batteries",
            source="ep-odp",
            doc_type="report",
            summary="due diligence in the value chain " * 30,
        )
        for i in range(items)
    ]
    with Store(folder / "data" / "store.sqlite3") as store:
        store.upsert(docs, datetime(2025, 3, 10, tzinfo=UTC))
    return folder


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


class SpareNode:
    """A throw-away node of this test's own, in .cache/ (its user must be able to reach it)."""

    def __init__(self) -> None:
        self.dir = REPO / ".cache" / f"es-faults-{os.getpid()}"
        self.env = {**os.environ, "ES_NODE_DIR": str(self.dir), "ES_HEAP": "256m"}
        (self.dir / "dist").mkdir(parents=True, exist_ok=True)
        # The distribution the main node was installed from, if any: no second download.
        for zip_file in (REPO / ".cache" / "es" / "dist").glob("elasticsearch-*.zip"):
            target = self.dir / "dist" / zip_file.name
            if not target.exists():
                shutil.copyfile(zip_file, target)
        self.url = ""

    def start(self) -> str:
        done = subprocess.run([str(SCRIPT), "start"], env=self.env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        self.url = done.stdout.strip().splitlines()[-1]
        return self.url

    @property
    def pid(self) -> int:
        return int((self.dir / "run" / "es.pid").read_text())

    def signal(self, sig: int) -> None:
        os.kill(self.pid, sig)

    def versions(self) -> list[str]:
        return sorted(i["index"] for i in get_json(f"{self.url}/_cat/indices/policytrack-v*?format=json&h=index"))

    def wait_for_bulk(self, before: list[str], proc: subprocess.Popen) -> str:
        """The new versioned index, once documents are arriving in it (the bulk load runs)."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            new = [v for v in self.versions() if v not in before]
            if new:
                stats = get_json(f"{self.url}/{new[0]}/_stats/indexing")
                # (no "indexing" entry until the shard has started)
                if stats["_all"]["primaries"].get("indexing", {}).get("index_total", 0) > 0:
                    return new[0]
            time.sleep(0.02)
        raise AssertionError(f"the rebuild never started bulk-loading: {finish(proc)}")

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # not running any more
            self.signal(signal.SIGCONT)
        subprocess.run([str(SCRIPT), "stop"], env=self.env, capture_output=True, timeout=120)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.requires_es
def test_a_node_that_freezes_dies_or_comes_back_empty(tmp_path):
    es_url()  # like every ES test: skip without the service, fail when services are required
    node = SpareNode()
    try:
        url = node.start()
        work = project(tmp_path / "work", url)
        code, _, err = finish(policytrack(["index"], work))
        assert code == 0, err
        [first] = node.versions()

        # 1. Frozen in the middle of a rebuild: the step that waits is named, then one error line.
        project(work, url, items=0, timeout=FROZEN_TIMEOUT)
        proc = policytrack(["index", "--rebuild"], work)
        new = node.wait_for_bulk([first], proc)
        node.signal(signal.SIGSTOP)
        frozen_at = time.monotonic()
        code, out, err = finish(proc)
        waited = time.monotonic() - frozen_at
        node.signal(signal.SIGCONT)
        assert code == 1 and out == ""
        *notices, error = lines(err)
        waiting = f"WARNING indexer.elastic: waiting for Elasticsearch at {url} while"
        assert [n.split(" (no answer")[0] for n in notices] == [
            f"{waiting} bulk-loading the new index {new}",
            f"{waiting} deleting the half-built index {new}",
        ], err
        assert error == (
            f"Error: Elasticsearch at {url} did not answer within {FROZEN_TIMEOUT} s while bulk-loading the new "
            f"index {new}: "
            "is it overloaded or stopped? (index.es_timeout sets the wait) Searches are unchanged: the alias "
            f"policytrack still points at {first}; the half-built index {new} may be left on the node: "
            "delete it when the node is back."
        )
        # bounded: the bulk request's timeout, then a short one for the clean-up (not 2 × 60 s)
        assert waited < 60, waited
        found = policytrack(["search", "batteries", "--json"], work)
        code, out, err = finish(found)
        assert code == 0 and json.loads(out)["total"] == ITEMS, err  # the old index still serves

        # 2. Killed in the middle of a rebuild: the real error, no traceback from the clean-up.
        before = node.versions()
        proc = policytrack(["index", "--rebuild"], work)
        new = node.wait_for_bulk(before, proc)
        node.signal(signal.SIGKILL)
        code, out, err = finish(proc)
        assert code == 1 and out == ""
        assert lines(err) == [
            f"Error: cannot reach Elasticsearch at {url} while bulk-loading the new index {new}: is it running? "
            f"Searches are unchanged: the alias policytrack still points at {first}; the half-built index {new} "
            "may be left on the node: delete it when the node is back."
        ]

        # 3. Back, but empty (a restart without its data): search says the index is missing.
        url = node.start()
        project(work, url, items=0, timeout=FROZEN_TIMEOUT)
        code, out, err = finish(policytrack(["search", "batteries"], work))
        assert (code, out) == (1, "")
        assert lines(err) == [
            f"Error: there is no search index 'policytrack' on Elasticsearch at {url} (a new or restarted node?): "
            "build it with `policytrack index`"
        ]
    finally:
        node.stop()


def test_search_against_a_node_that_is_down_is_one_line(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    work = project(tmp_path, f"http://127.0.0.1:{port}", items=1)
    started = time.monotonic()
    code, out, err = finish(policytrack(["search", "batteries"], work))
    assert (code, out) == (1, "")
    # the client's retry warnings (55 lines with tracebacks) do not reach the user
    assert err.strip().splitlines() == [
        f"Error: cannot reach Elasticsearch at http://127.0.0.1:{port} while searching: is it running?"
    ]
    assert time.monotonic() - started < 60
    verbose = finish(policytrack(["-vv", "search", "batteries"], work))
    assert "elastic_transport" in verbose[2]  # still there for whoever asks for them


def test_search_before_any_index_says_how_to_build_it(tmp_path):
    (tmp_path / "policytrack.toml").write_text('[project]\ndata_dir = "data"\n', "utf-8")
    (tmp_path / "data").mkdir()
    code, out, err = finish(policytrack(["search", "batteries"], tmp_path))
    assert (code, out) == (1, "")
    assert err.strip().splitlines() == [
        f"Error: there is no search index at {tmp_path / 'data' / 'index.sqlite3'}: build it with `policytrack index`"
    ]
    assert list((tmp_path / "data").iterdir()) == []  # no empty index made on the spot
