"""The client-side search index: Pagefind, run over the built folder.

Pagefind writes ``pagefind/`` (its index chunks, WASM and the search UI) next to the pages, so
the search page works from any static host with no server-side code and no CDN.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .errors import SiteError


def pagefind_available() -> bool:
    try:
        from pagefind.service import _must_get_executable  # noqa: F401
    except ImportError:
        return False
    return True


def build_search_index(out_dir: Path, *, timeout: float = 3600) -> str:
    """Index every page that marks its body with ``data-pagefind-body``; returns Pagefind's summary."""
    if not pagefind_available():
        raise SiteError("the search index needs Pagefind: pip install 'pagefind[bin]'")
    cmd = [sys.executable, "-m", "pagefind", "--site", str(out_dir), "--output-subdir", "pagefind"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise SiteError(f"Pagefind did not finish within {timeout:.0f} s") from None
    if proc.returncode != 0:
        last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise SiteError(f"Pagefind failed (exit {proc.returncode}): {last[0]}")
    lines = [ln.strip() for ln in proc.stdout.splitlines() if "Indexed" in ln]
    return "; ".join(lines)
