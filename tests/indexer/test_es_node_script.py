"""scripts/es-node: the parts that do not start a node (scripts/test starts the real one)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "es-node"


def run(*args: str, node_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "ES_NODE_DIR": str(node_dir)}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60)


def test_usage_error(tmp_path):
    result = run("frobnicate", node_dir=tmp_path)
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_url_status_and_stop_without_a_node(tmp_path):
    url = run("url", node_dir=tmp_path)
    assert url.returncode == 1 and "not running" in url.stderr and url.stdout == ""
    status = run("status", node_dir=tmp_path)
    assert status.returncode == 3 and status.stdout.strip() == "not running"
    stop = run("stop", node_dir=tmp_path)
    assert stop.returncode == 0 and "not running" in stop.stderr


@pytest.mark.requires_es
def test_the_running_node_answers_at_its_url():
    from index_corpus import es_url

    url = es_url()
    from elasticsearch import Elasticsearch

    es = Elasticsearch(url)
    assert es.cluster.health()["status"] in ("green", "yellow")
    assert url.startswith("http://127.0.0.1:")
