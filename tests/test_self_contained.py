"""The suite needs nothing outside the repository: a fresh clone has no ../shared beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def test_reading_the_reference_folder_is_refused(tmp_path):
    # The guard in conftest.py refuses the path whether or not the folder exists here.
    with pytest.raises(PermissionError, match="copy the fixture into tests/fixtures"):
        open(REPO.parent / "shared" / "fixtures" / "real" / "SOURCES.md")  # noqa: SIM115


def test_every_copied_fixture_is_listed_in_sources():
    real = REPO / "tests" / "fixtures" / "real"
    sources = (real / "SOURCES.md").read_text("utf-8")
    files = [p for p in real.rglob("*") if p.is_file() and p.name != "SOURCES.md"]
    assert files
    for path in files:
        rel = path.relative_to(real).as_posix()
        folder = rel.split("/")[0]
        # a row names the file, or the pattern its folder uses (cellar-texts/<CELEX>…, excerpts/*.txt)
        assert rel in sources or f"{folder}/" in sources, f"{rel} has no SOURCES.md entry"
