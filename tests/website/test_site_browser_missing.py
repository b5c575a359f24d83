"""Without chromium the browser tests skip, or FAIL when scripts/test requires its services."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
TEST = f"{HERE / 'test_site_browser.py'}::test_keyboard_skip_link_reaches_main"


def _run(require: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(POLICYTRACK_TEST_CHROMIUM="/nonexistent/chromium", POLICYTRACK_TEST_REQUIRE_SERVICES=require)
    return subprocess.run(
        [sys.executable, "-m", "pytest", TEST, "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-rsf"],
        cwd=HERE.parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("require, outcome", [("1", "1 error"), ("", "1 skipped")])
def test_missing_chromium(require: str, outcome: str):
    proc = _run(require)
    assert outcome in proc.stdout, proc.stdout[-2000:]
    assert "/nonexistent/chromium is not installed" in proc.stdout
    assert (proc.returncode != 0) == (require == "1")
