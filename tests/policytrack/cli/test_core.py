"""The CLI group, ``init`` and ``status``, and how errors reach the user."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from click.testing import CliRunner

from policytrack.cli import main
from policytrack.model import Document
from policytrack.store import Store

VERBS = {"init", "crawl", "parse", "index", "search", "site", "digest", "status", "subscribers"}


def test_help_lists_the_verbs():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    listed = {line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.strip()}
    assert listed >= VERBS, VERBS - listed


def test_unknown_verb_is_usage_error():
    result = CliRunner().invoke(main, ["frobnicate"])
    assert result.exit_code == 2
    assert "No such command" in result.output


def test_init_creates_working_folder(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["init", str(tmp_path / "work")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "work" / "policytrack.toml").is_file()
    notes = list((tmp_path / "work" / "content").rglob("*.md"))
    assert notes, "init copies the sample content"
    again = runner.invoke(main, ["init", str(tmp_path / "work")])
    assert again.exit_code == 1
    assert again.output.strip().splitlines() == [
        f"Error: {tmp_path / 'work' / 'policytrack.toml'} already exists (use --force to overwrite)"
    ]
    assert runner.invoke(main, ["init", "--force", str(tmp_path / "work")]).exit_code == 0


def test_bad_config_is_one_line_and_exit_1(tmp_path):
    cfg = tmp_path / "policytrack.toml"
    cfg.write_text('[index]\nbackend = "solr"\n')
    result = CliRunner().invoke(main, ["--config", str(cfg), "status"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {cfg}: index.backend must be one of embedded, elasticsearch, got 'solr'"
    ]


def test_status_shows_counts_and_changes(tmp_path, monkeypatch):
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path)]).exit_code == 0
    monkeypatch.chdir(tmp_path)
    empty = runner.invoke(main, ["status"])
    assert empty.exit_code == 0 and "store is empty" in empty.output
    with Store(tmp_path / "data" / "store.sqlite3") as store:
        store.upsert(
            [
                Document(
                    id="celex:32024L1799", title="Right to repair", source="eurlex", topics=["circular-electronics"]
                )
            ],
            datetime.now(UTC),
        )
    result = runner.invoke(main, ["status"])
    assert result.exit_code == 0, result.output
    assert "celex:32024L1799" in result.output
    assert "circular-electronics" in result.output
    notes = len(list((tmp_path / "content").rglob("*.md")))
    assert re.search(rf"note \(content folder\)\s*│\s*{notes}\s", result.output), result.output
