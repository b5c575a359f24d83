"""``policytrack serve``: one-line errors before it starts (exit 1), and a real run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
from click.testing import CliRunner

from policytrack.cli import main


def _config(folder: Path, secret: str = "s3cret") -> Path:
    config = folder / "policytrack.toml"
    config.write_text(f'[project]\ndata_dir = "data"\n[digest]\nsecret = "{secret}"\n', "utf-8")
    return config


def _run(config: Path, *args: str):
    env = {k: None for k in os.environ if k.startswith("POLICYTRACK_")}
    return CliRunner().invoke(main, ["-c", str(config), "serve", *args], env=env)


def test_without_an_index_it_says_so(tmp_path):
    result = _run(_config(tmp_path), "--port", "0")
    assert result.exit_code == 1
    assert "no search index at" in result.output and "policytrack index" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_without_a_secret_it_says_so(tmp_path):
    config = _config(tmp_path, secret="")
    from indexer.embedded import EmbeddedBackend

    EmbeddedBackend(tmp_path / "data" / "index.sqlite3").close()
    result = _run(config, "--port", "0")
    assert result.exit_code == 1
    assert "digest.secret is not set" in result.output


def test_a_busy_port_is_one_line(tmp_path):
    import socket

    from indexer.embedded import EmbeddedBackend

    config = _config(tmp_path)
    EmbeddedBackend(tmp_path / "data" / "index.sqlite3").close()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        result = _run(config, "--port", str(busy.getsockname()[1]))
    assert result.exit_code == 1 and "cannot listen on 127.0.0.1:" in result.output


def test_it_serves_until_stopped(tmp_path):
    from indexer.embedded import EmbeddedBackend

    _config(tmp_path)
    EmbeddedBackend(tmp_path / "data" / "index.sqlite3").close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYTRACK_")}
    child = subprocess.Popen(
        [sys.executable, "-c", "from policytrack.cli import main; main()", "serve", "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = child.stdout.readline()
        url = re.search(r"Serving the embedded index \(0 items\) at (http://127\.0\.0\.1:\d+/)", line).group(1)
        deadline = time.monotonic() + 20
        while True:
            try:
                r = httpx.get(url + "search.json?q=anything")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert r.status_code == 200 and r.json()["total"] == 0
    finally:
        child.terminate()
        assert child.wait(15) is not None
