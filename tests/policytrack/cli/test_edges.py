"""Wrong input at the CLI's edge: one line, a meaningful exit code, nothing created by mistake."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from policytrack.cli import main

# Every verb that reads the project's settings, with arguments that would otherwise run.
PROJECT_VERBS = [
    ["status"],
    ["crawl", "--replay"],
    ["index"],
    ["search", "battery"],
    ["site", "build"],
    ["site", "serve"],
    ["digest", "build", "--out", "review"],
    ["digest", "send"],
    ["digest", "settle"],
    ["subscribers", "add", "ana@example.org"],
    ["subscribers", "list"],
    ["subscribers", "remove", "ana@example.org"],
]


@pytest.fixture
def stranger(tmp_path, monkeypatch):
    """A folder with no policytrack.toml in it or above it, and no POLICYTRACK_CONFIG."""
    for name in [n for n in os.environ if n.startswith("POLICYTRACK_")]:
        monkeypatch.delenv(name)
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    assert not any((p / "policytrack.toml").exists() for p in (folder, *folder.parents))
    monkeypatch.chdir(folder)
    return folder


@pytest.mark.parametrize("verb", PROJECT_VERBS, ids=lambda v: " ".join(v[:2]))
def test_outside_a_policytrack_folder_a_verb_refuses_and_creates_nothing(stranger, verb):
    result = CliRunner().invoke(main, verb)
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines() == [
        f"Error: not a policytrack folder: no policytrack.toml in {stranger} or a parent folder; "
        "run `policytrack init` to make one, or pass --config FILE"
    ]
    assert list(stranger.iterdir()) == []  # no ./data, ./public, ./review


def test_init_and_parse_work_anywhere(stranger):
    page = Path(__file__).parents[2] / "fixtures" / "real" / "oeil" / "procedure-file_2024-0258-COD.html"
    parsed = CliRunner().invoke(main, ["parse", str(page), "--kind", "oeil-procedure"])
    assert parsed.exit_code == 0 and '"2024/0258(COD)"' in parsed.output
    assert list(stranger.iterdir()) == []
    made = CliRunner().invoke(main, ["init", "."])
    assert made.exit_code == 0 and (stranger / "policytrack.toml").is_file()
    assert CliRunner().invoke(main, ["status"]).exit_code == 0


def test_a_config_named_by_the_environment_counts_as_a_folder(stranger, tmp_path):
    config = tmp_path / "project" / "policytrack.toml"
    config.parent.mkdir()
    config.write_text('[project]\ndata_dir = "data"\n', "utf-8")
    result = CliRunner().invoke(main, ["status"], env={"POLICYTRACK_CONFIG": str(config), "COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert f"config: {config}" in result.output
    assert list(stranger.iterdir()) == []


def test_a_search_for_a_dash_word_suggests_double_dash(tmp_path):
    config = tmp_path / "policytrack.toml"
    config.write_text("", "utf-8")
    for args in (["search", "-battery"], ["search", "-n", "5", "-battery"]):
        result = CliRunner().invoke(main, ["-c", str(config), *args])
        assert result.exit_code == 2
        assert result.output.strip().splitlines() == [
            "Error: no option '-battery'; to search for a query that starts with '-', end the options with '--': "
            "policytrack search -- '-battery'"
        ]
    unknown_long = CliRunner().invoke(main, ["-c", str(config), "search", "--colour", "x"])
    assert unknown_long.exit_code == 2 and "No such option '--colour'" in unknown_long.output


def _policytrack(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """The real program in a child process: its stderr is what a person sees (logging included)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYTRACK_")}
    return subprocess.run(
        [sys.executable, "-c", "from policytrack.cli import main; main()", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "content, message",
    [
        (b'[[topics]]\ntitle = "X"\n', "topic #1 has no slug"),
        (b"[digest]\nupcoming_weeks = 1e12\n", "digest.upcoming_weeks must be a whole number"),
        (b"[digest]\nsmtp_port = 25.9\n", "digest.smtp_port must be a whole number, got 25.9"),
        ("[project]\nname = 'é'\n".encode("utf-16"), "is saved as UTF-16, not UTF-8"),
        ("[project]\nname = 'é'\n".encode("latin-1"), "is not UTF-8 (line 2, byte 0xE9)"),
        (b"a = " + b"[" * 5000 + b"]" * 5000, "nested too deeply"),
    ],
)
def test_a_broken_config_file_is_one_line_on_stderr_and_exit_1(tmp_path, content, message):
    (tmp_path / "policytrack.toml").write_bytes(content)
    done = _policytrack(["status"], tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], done.stderr
