"""``policytrack site build`` and ``policytrack site serve`` through the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from site_corpus import fill_store

from policytrack.cli import main
from policytrack.resources import default_config_text, site_dir


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "policytrack.toml").write_text(default_config_text(), "utf-8")
    shutil.copytree(site_dir() / "content", tmp_path / "content")
    fill_store(tmp_path / "data" / "store.sqlite3")
    return tmp_path


def _run(project: Path, *args: str):
    return CliRunner().invoke(
        main, ["-c", str(project / "policytrack.toml"), "site", "build", "--no-search", *args], catch_exceptions=False
    )


def test_build_writes_the_site_and_exits_0(project: Path):
    result = _run(project)
    assert result.exit_code == 0, result.output
    assert (project / "public" / "index.html").is_file()
    assert "rendered" in result.output
    again = _run(project)
    assert again.exit_code == 0 and "Nothing changed since the last build." in again.output


def test_out_option_and_strict_warnings(project: Path, tmp_path: Path):
    note = project / "content" / "briefings" / "unknown.md"
    note.write_text("---\ntitle: Unknown\ndate: 2025-01-01\nprocedures: ['2099/0001(COD)']\n---\nx\n", "utf-8")
    out = tmp_path / "elsewhere"
    relaxed = _run(project, "--out", str(out))
    assert relaxed.exit_code == 0
    assert f"warning: {note}:4: unknown procedure 2099/0001(COD)" in relaxed.output
    assert (out / "notes" / "unknown" / "index.html").is_file()
    strict = _run(project, "--out", str(out), "--strict")
    assert strict.exit_code == 1
    assert "1 warning(s) and --strict" in strict.output


def test_broken_content_exits_1_but_builds_the_rest(project: Path):
    (project / "content" / "briefings" / "broken.md").write_text("---\ntitle: [x\n---\n", "utf-8")
    result = _run(project)
    assert result.exit_code == 1
    assert "broken.md:" in result.output and "bad front matter" in result.output
    assert (project / "public" / "notes" / "espr-electronics" / "index.html").is_file()


def test_serve_without_a_build_is_a_clear_error(project: Path):
    result = CliRunner().invoke(main, ["-c", str(project / "policytrack.toml"), "site", "serve"])
    assert result.exit_code == 1
    assert "no built site here" in result.output


def test_serve_previews_the_built_site(project: Path):
    assert _run(project).exit_code == 0
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "policytrack"),
            "-c",
            str(project / "policytrack.toml"),
            "site",
            "serve",
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("Serving "), line
        url = line.split(" at ")[1].split(" ")[0]
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "dossiers/2022-0051-cod/", timeout=10) as resp:
            assert resp.status == 200
            assert b"Corporate sustainability due diligence" in resp.read()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_unwritable_output_is_one_line_and_exit_1(project: Path, tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = _run(project, "--out", str(blocker / "sub"))
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("Error: ")
    assert "cannot create the output folder" in result.output
