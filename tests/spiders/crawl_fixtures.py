"""Fixtures of the crawl tests (imported by them; not a conftest.py, whose module name would
shadow tests/conftest.py for `from conftest import …`): a project folder, child crawls guarded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

NETGUARD = Path(__file__).resolve().parent / "netguard"


# Registered as "project" but defined under another name: a test module imports this function
# and its tests take a `project` parameter, which must not shadow the imported name.
@pytest.fixture(name="project")
def project_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with a policytrack.toml whose data dir is inside it; crawls started from here
    run in child processes that can only reach loopback addresses."""
    (tmp_path / "policytrack.toml").write_text(
        '[project]\ndata_dir = "data"\ncontact_email = "test@example.org"\n', "utf-8"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("POLICYTRACK_CONFIG", raising=False)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(NETGUARD), os.environ.get("PYTHONPATH")])))
    return tmp_path
