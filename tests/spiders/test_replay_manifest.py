"""A recording's manifest is data from elsewhere: it serves only regular files inside the
recording, and every malformed form is one line naming the entry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_replay_server import get

from spiders.errors import CrawlError
from spiders.replay import manifest
from spiders.replay.server import ReplayServer

URL = "https://eur-lex.europa.eu/x"


def write(folder: Path, data) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(data if isinstance(data, str) else json.dumps(data), "utf-8")
    (folder / "ok.html").write_text("<p>ok</p>", "utf-8")
    return folder


@pytest.mark.parametrize(
    "file, problem",
    [
        ("../../etc/passwd", "outside the recording"),
        ("/etc/passwd", "absolute path"),
        ("/proc/self/environ", "absolute path"),
        ("sub/../../secret", "outside the recording"),
        ("link", "outside the recording"),  # a symlink to a file outside
        ("fifo", "not a regular file"),
        ("devnull", "outside the recording"),  # a symlink to /dev/null
        ("folder", "not a regular file"),
        ("missing.html", "missing file"),
    ],
)
def test_only_regular_files_inside_the_recording_are_served(tmp_path: Path, file: str, problem: str):
    secret = tmp_path / "secret"
    secret.write_text("secret", "utf-8")
    rec = write(tmp_path / "rec", {"entries": [{"url": URL, "file": file}]})
    (rec / "link").symlink_to(secret)
    (rec / "devnull").symlink_to("/dev/null")
    os.mkfifo(rec / "fifo")
    (rec / "folder").mkdir()
    with pytest.raises(CrawlError) as e:
        manifest.load(rec)
    [line] = str(e.value).splitlines()
    assert line.startswith(f"{rec / 'manifest.json'}: entry #1 ") and problem in line


def test_a_link_inside_the_recording_is_served(tmp_path: Path):
    rec = write(tmp_path / "rec", {"entries": [{"url": URL, "file": "alias.html"}]})
    (rec / "alias.html").symlink_to(rec / "ok.html")
    with ReplayServer(rec) as server:
        assert get(server, URL)[2] == b"<p>ok</p>"


def test_a_file_swapped_for_a_link_after_loading_is_not_served(tmp_path: Path):
    (tmp_path / "secret").write_text("secret", "utf-8")
    rec = write(tmp_path / "rec", {"entries": [{"url": URL, "file": "ok.html"}]})
    with ReplayServer(rec) as server:
        (rec / "ok.html").unlink()
        (rec / "ok.html").symlink_to(tmp_path / "secret")
        status, _, body = get(server, URL)
    assert status == 404 and b"secret" not in body


@pytest.mark.parametrize(
    "data, problem",
    [
        ({"entries": ["x"]}, "entry #1 is not an object (got str)"),
        ({"entries": [{"url": URL, "file": None}]}, "entry #1 has a bad 'file': null"),
        ({"entries": [{"url": URL, "file": "ok.html"}, {"file": "ok.html"}]}, "entry #2 has no 'url'"),
        ({"entries": [{"url": 5, "file": "ok.html"}]}, "entry #1 has a bad 'url': 5"),
        ({"entries": [{"url": URL, "file": "ok.html", "status": "200"}]}, "entry #1 has a bad 'status'"),
        ({"entries": [{"url": URL, "file": "ok.html", "status": 7}]}, "entry #1 has a bad 'status'"),
        ({"entries": [{"url": URL, "file": "ok.html", "gap": "yes"}]}, "entry #1 has a bad 'gap'"),
        ({"entries": [{"url": URL, "file": "ok.html", "headers": ["a"]}]}, "entry #1 has a bad 'headers'"),
        ({"entries": [{"url": URL, "file": "ok.html", "headers": {"X": "a\r\nSet-Cookie: b"}}]}, "bad 'headers'"),
        ({"entries": [{"url": URL, "file": "ok.html", "delay": -1}]}, "entry #1 has a bad 'delay'"),
        ({"entries": [{"url": URL}]}, "entry #1 has no file"),
        ({"entries": {"url": URL}}, "a manifest is an object whose 'entries' is a list"),
        ([1, 2], "a manifest is an object whose 'entries' is a list"),
        ("[" * 100_000 + "]" * 100_000, "unreadable manifest: nested too deeply"),
        ('{"entries": [', "unreadable manifest: Expecting value"),
    ],
)
def test_every_malformed_manifest_is_one_line(tmp_path: Path, data, problem: str):
    rec = write(tmp_path / "rec", data)
    with pytest.raises(CrawlError) as e:
        manifest.load(rec)
    [line] = str(e.value).splitlines()
    assert line.startswith(f"{rec / 'manifest.json'}: ") and problem in line


def test_the_command_line_says_it_in_one_line(tmp_path: Path):
    rec = write(tmp_path / "rec", {"entries": [{"url": URL, "file": "../../etc/passwd"}]})
    (tmp_path / "policytrack.toml").write_text('[project]\ndata_dir = "data"\n', "utf-8")
    done = subprocess.run(
        [sys.executable, "-c", "from policytrack.cli import main; main()", "crawl", "--replay", str(rec)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"Error: {rec / 'manifest.json'}: entry #1 names a path outside the recording '../../etc/passwd'"
    ]
