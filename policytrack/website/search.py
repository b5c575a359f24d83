"""The client-side search index: Pagefind, run over the built pages in parts.

Pagefind writes a bundle (its index chunks, WASM and the search UI) next to the pages, so the
search page works from any static host with no server-side code and no CDN.

Pagefind holds every page it indexes in memory until it writes its bundle: about 72 MB per
1,000 pages here (110k pages took 6.9 GB, ``benchmarks/bench_site.py``). So the searchable
pages (those marked ``data-pagefind-body``) are indexed in parts of at most ``PART_PAGES``, one
Pagefind process each, run one after the other: memory stays that of one part whatever the
size of the site. Part 1 is ``pagefind/`` (the bundle the search page loads); the others are
``pagefind-2/``, ``pagefind-3/``… and ``pagefind/parts.json`` names them, for the search page
to merge with Pagefind's own ``mergeIndex`` (results of all parts, ranked together by score).
A page's part follows from its path (a hash), so parts are alike (each a sample of every kind
of page) and a rebuild indexes again only the parts whose pages changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import SiteError

PART_PAGES = 10_000
SEARCH_MARK = "data-pagefind-body"  # Pagefind indexes only the pages that carry it, when any does
PARTS_FILE = "parts.json"

# Runs Pagefind as a child of a small process and reports its peak memory: a child forked by
# the builder would carry the builder's own size in its peak (Linux keeps it across exec).
_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write(f"\\npolicytrack-peak-kb {usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


@dataclass
class SearchResult:
    parts: dict[str, str] = field(default_factory=dict)  # bundle folder → digest of its pages
    indexed: int = 0  # pages indexed by this build (unchanged parts are not indexed again)
    peak_mb: dict[str, float] = field(default_factory=dict)  # part indexed now → Pagefind's peak
    summary: str = ""


def executable() -> Path | None:
    try:
        from pagefind.service import get_executable
    except ImportError:
        return None
    return get_executable()


def pagefind_available() -> bool:
    return executable() is not None


def part_name(n: int) -> str:
    return "pagefind" if n == 0 else f"pagefind-{n + 1}"


def split(pages: Mapping[str, str], part_pages: int = PART_PAGES) -> list[dict[str, str]]:
    """The searchable pages (file → input hash) in parts of about ``part_pages``."""
    count = max(1, -(-len(pages) // part_pages))
    parts: list[dict[str, str]] = [{} for _ in range(count)]
    for rel in sorted(pages):
        n = int.from_bytes(hashlib.blake2b(rel.encode(), digest_size=8).digest(), "big") % count
        parts[n][rel] = pages[rel]
    return parts


def _digest(part: Mapping[str, str], count: int) -> str:
    h = hashlib.blake2b(f"{count}\x00".encode(), digest_size=16)
    for rel in sorted(part):
        h.update(f"{rel}\x00{part[rel]}\x00".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def build_search_index(
    out_dir: Path,
    pages: Mapping[str, str],
    previous: Mapping[str, str] | None = None,
    *,
    part_pages: int = PART_PAGES,
    timeout: float = 3600,
) -> SearchResult:
    """Index ``pages`` (searchable files → input hash) in parts; a part whose pages and hashes
    are those of ``previous`` (the last build's parts) and whose bundle is there is kept."""
    binary = executable()
    if binary is None:
        raise SiteError("the search index needs Pagefind: pip install 'pagefind[bin]'")
    previous = previous or {}
    parts = split(pages, part_pages)
    result = SearchResult()
    indexed_pages = 0
    for n, part in enumerate(parts):
        name = part_name(n)
        digest = _digest(part, len(parts))
        bundle = out_dir / name
        result.parts[name] = digest
        if previous.get(name) == digest and (bundle / "pagefind-entry.json").is_file():
            continue
        shutil.rmtree(bundle, ignore_errors=True)
        peak, pages_seen = _index_part(binary, out_dir, bundle, part, timeout)
        result.indexed += len(part)
        result.peak_mb[name] = peak
        indexed_pages += pages_seen
    for stale in _bundles(out_dir) - set(result.parts):
        shutil.rmtree(out_dir / stale, ignore_errors=True)
    others = [f"{name}/" for name in result.parts if name != part_name(0)]
    (out_dir / part_name(0) / PARTS_FILE).write_text(json.dumps({"merge": others}), "utf-8")
    kept = len(parts) - len(result.peak_mb)
    done = f"{indexed_pages:,} pages indexed in {len(result.peak_mb)} part(s)" if result.peak_mb else "up to date"
    highest = max(result.peak_mb.values(), default=0.0)
    memory = f", Pagefind's peak memory {highest:,.0f} MB" if highest else ""
    result.summary = done + memory + (f"; {kept} part(s) unchanged" if kept else "")
    return result


def _bundles(out_dir: Path) -> set[str]:
    return {p.name for p in out_dir.glob("pagefind-*") if p.is_dir() and p.name[9:].isdigit()}


def _index_part(
    binary: Path, out_dir: Path, bundle: Path, part: Mapping[str, str], timeout: float
) -> tuple[float, int]:
    """Pagefind over a folder holding only this part's pages (hard links, else copies); returns
    its peak memory in MB (0 where it cannot be read) and the number of pages it says it indexed."""
    stage = Path(tempfile.mkdtemp(prefix=".pagefind-part-", dir=out_dir))
    try:
        for rel in part:
            target = stage / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(out_dir / rel, target)
            except OSError:
                shutil.copyfile(out_dir / rel, target)
        cmd = [str(binary), "--site", str(stage), "--output-path", str(bundle)]
        if os.name == "posix":
            cmd = [sys.executable, "-c", _LAUNCHER, *cmd]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise SiteError(f"Pagefind did not finish within {timeout:.0f} s") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    peak = 0.0
    for line in proc.stderr.splitlines():
        if line.startswith("policytrack-peak-kb "):
            peak = int(line.split()[1]) / 1024
    if proc.returncode != 0:
        problems = [ln for ln in (proc.stderr or proc.stdout).strip().splitlines() if "policytrack-peak-kb" not in ln]
        raise SiteError(f"Pagefind failed (exit {proc.returncode}): {(problems[-1:] or ['no output'])[0]}")
    pages = [int(m.group(1).replace(",", "")) for m in re.finditer(r"Indexed ([\d,]+) pages?\b", proc.stdout)]
    return peak, sum(pages)
