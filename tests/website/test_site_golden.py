"""Golden output: a small fixed site compared file by file with tests/website/golden/expected.

When a change to templates or builder is meant to change the output, regenerate on purpose:

    POLICYTRACK_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/website/test_site_golden.py

then review ``git diff tests/website/golden/expected`` before committing it.
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

from site_corpus import fill_store
from site_helpers import options

from policytrack.website import build_site
from policytrack.website.incremental import MANIFEST_NAME

GOLDEN = Path(__file__).parent / "golden"
EXPECTED = GOLDEN / "expected"


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST_NAME and p.relative_to(folder).parts[0] != "static"
    }


def _build(tmp_path: Path) -> Path:
    out = tmp_path / "public"
    result = build_site(
        options(
            out,
            fill_store(tmp_path / "store.sqlite3"),
            GOLDEN / "input" / "content",
            base_url="https://policy.example.org/",
        )
    )
    assert result.ok and result.warnings == [], (result.errors, result.warnings)
    return out


def test_golden_site(tmp_path: Path):
    out = _build(tmp_path)
    actual = _files(out)
    if os.environ.get("POLICYTRACK_REGEN_GOLDEN") == "1":
        shutil.rmtree(EXPECTED, ignore_errors=True)
        shutil.copytree(out, EXPECTED, ignore=shutil.ignore_patterns(MANIFEST_NAME, "static"))
    expected = _files(EXPECTED)
    assert sorted(actual) == sorted(expected), "files differ: regenerate on purpose (see module docstring)"
    for name, data in expected.items():
        if actual[name] != data:
            diff = "\n".join(
                difflib.unified_diff(
                    data.decode("utf-8", "replace").splitlines(),
                    actual[name].decode("utf-8", "replace").splitlines(),
                    f"expected/{name}",
                    f"actual/{name}",
                    lineterm="",
                    n=2,
                )
            )
            raise AssertionError(f"{name} differs from the golden output:\n{diff[:4000]}")


def test_golden_build_is_reproducible(tmp_path: Path):
    """Two builds of the same inputs give the same bytes (the golden test relies on it).

    Copies of site/static are left out of the golden tree: they are copied, not generated."""
    a = _files(_build(tmp_path / "a"))
    b = _files(_build(tmp_path / "b"))
    assert a == b
