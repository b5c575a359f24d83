"""Run a crawl in a child process and report it: the table a person reads, the exit status."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from . import child
from .errors import CrawlError
from .replay import SHIPPED_RECORDING
from .replay import manifest as _manifest

COLUMNS = ("fetched", "pages", "not_modified", "new", "changed", "unchanged", "failed")
HEADERS = {
    "fetched": "fetched",
    "pages": "pages",
    "not_modified": "skipped",
    "new": "new",
    "changed": "changed",
    "unchanged": "unchanged",
    "failed": "failed",
}


def crawl(
    *,
    config_file: Path | None,
    spiders: list[str] | None = None,
    replay: Path | None = None,
    record: Path | None = None,
    verbose: int = 0,
    crawl_delay_scale: float = 1.0,
    request_log: Path | None = None,
) -> list[dict[str, Any]]:
    """Crawl in a child process (Twisted's reactor cannot restart) and return its summary."""
    if replay is not None:
        _manifest.load(replay)  # a bad replay folder is a one-line error before anything starts
    child.sweep()  # the folders of crawls killed before they could remove them
    tmp = child.make_folder()
    try:
        summary = tmp / "summary.json"
        job = {
            "config_file": str(config_file) if config_file else None,
            "spiders": spiders or None,
            "replay": str(replay) if replay else None,
            "record": str(record) if record else None,
            "summary": str(summary),
            "log_level": ("WARNING", "INFO", "DEBUG")[min(verbose, 2)],
            # For the tests: robots.txt crawl delays shortened, what a replay asked for.
            "crawl_delay_scale": crawl_delay_scale,
            "request_log": str(request_log) if request_log else None,
            "parent": os.getpid(),
        }
        status = _run_child(job, tmp / "job.json")
        if status != 0 or not summary.is_file():
            raise CrawlError(f"the crawl process stopped with exit status {status} before writing its summary")
        return json.loads(summary.read_text("utf-8"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _run_child(job: dict[str, Any], job_file: Path) -> int:
    """Run ``python -m spiders.run`` and wait for it; it dies with this process (spiders/child.py)."""
    read_end, write_end = os.pipe() if os.name == "posix" else (None, None)
    job["watch_fd"] = read_end
    job_file.write_text(json.dumps(job), "utf-8")
    # The child imports the spiders installed with this interpreter, as the parent did.
    command = [sys.executable, "-m", "spiders.run", "--job", str(job_file)]
    try:
        try:
            process = subprocess.Popen(command, pass_fds=(read_end,) if read_end is not None else ())
        finally:
            if read_end is not None:
                os.close(read_end)  # the child's copy is the only reader; ours stays the only writer
        try:
            return process.wait()
        except BaseException:  # Ctrl-C: the child goes with us
            process.kill()
            process.wait()
            raise
    finally:
        if write_end is not None:
            os.close(write_end)


def default_replay(configured: str) -> Path:
    return Path(configured) if configured else SHIPPED_RECORDING


def status_of(row: dict[str, Any]) -> str:
    if row["outright"]:
        return "FAILED"
    if row.get("blocked_hosts"):
        return "blocked by a bot challenge"
    return "ok, with failures" if row["failed"] else "ok"


def render(results: list[dict[str, Any]], console) -> None:
    """The summary table, the blocked hosts, the failures (URL + reason), and what a quiet run means."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="crawl summary")
    table.add_column("spider", no_wrap=True, min_width=8)
    for column in COLUMNS:
        table.add_column(HEADERS[column], justify="right")
    table.add_column("status")
    totals = {c: 0 for c in COLUMNS}
    for row in results:
        table.add_row(row["spider"], *(str(row[c]) for c in COLUMNS), status_of(row))
        for c in COLUMNS:
            totals[c] += row[c]
    table.add_row("total", *(str(totals[c]) for c in COLUMNS), "", style="bold")
    console.print(table)
    hosts = blocked_hosts(results)
    if hosts:
        blocked = Table(title="hosts not asked any more this run")
        for column in ("host", "status", "requests skipped", "first challenge"):
            blocked.add_column(column, justify="right" if column == "requests skipped" else "left")
        for host, info in sorted(hosts.items()):
            blocked.add_row(host, "blocked by a bot challenge", str(info["skipped"]), escape(info["blocked"]))
        console.print(blocked)
        console.print(
            "Dossiers are still built from Cellar and the EP Open Data API; the blocked pages are asked again next run."
        )
    for row in results:
        for note in row.get("notes", []):
            console.print(f"{row['spider']}: {escape(note)}", highlight=False)
        for failure in row["failures"]:
            console.print(f"[red]failed[/red] {row['spider']}: {escape(failure)}", highlight=False)
    gaps = sum(row.get("not_recorded", 0) for row in results)
    if gaps:
        console.print(f"Replay: {gaps} request(s) a live crawl makes are gaps of this recording (see its manifest).")
    if totals["pages"] == 0 and totals["new"] == 0 and totals["changed"] == 0 and not totals["failed"] and not hosts:
        console.print(
            "Nothing new: only the feeds, queries and watched pages were asked (conditionally); "
            "no page requests were needed; everything is unchanged."
        )


def blocked_hosts(results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each host that answered with a bot challenge this run: how, and how many requests it was spared."""
    out: dict[str, dict[str, Any]] = {}
    for row in results:
        for host, info in (row.get("blocked_hosts") or {}).items():
            entry = out.setdefault(host, {"blocked": "", "skipped": 0})
            entry["blocked"] = entry["blocked"] or info.get("blocked", "")
            entry["skipped"] += int(info.get("skipped", 0))
    return out


def failed_outright(results: list[dict[str, Any]]) -> bool:
    return any(row["outright"] for row in results)
