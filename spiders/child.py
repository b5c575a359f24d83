"""The crawl child's tie to its parent, and the temporary folders of crawls that were killed.

``policytrack crawl`` runs the spiders in a child process (``spiders.summary``). A parent killed
outright (``kill -9``: no handler runs) must not leave the child crawling and writing to the
store, nor its temporary folder behind:

- the child asks Linux to send it SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``), and
  checks that the parent did not die before it asked;
- everywhere (and as a second line on Linux), the child watches a pipe whose only writer is the
  parent: the read ends when the parent's end closes, which the kernel does when the parent
  dies however it dies; the child then exits at once (``os._exit``: no more writes);
- the temporary folder of each run holds an ``owner`` file (the parent's pid and start time);
  the next run removes the folders whose owner is gone (``sweep``).

A child stopped in the middle of a store write loses only its uncommitted batch (SQLite rolls it
back); the crawl state is saved only at the end of a spider, so what it did not save is fetched
again next run.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

PREFIX = "policytrack-crawl-"
OWNER = "owner"
ORPHANED = 3  # the child's exit status when it stops because its parent is gone
_PR_SET_PDEATHSIG = 1
# A folder without an owner file may be one being made this very moment: left alone this long.
_UNOWNED_GRACE = 3600.0


def _start_time(pid: int) -> str:
    """The start time of ``pid`` in clock ticks since boot (Linux), "" where unknown: with the
    pid it names one process, even after the pid is reused."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[-1].split()[19]  # field 22 of the line: starttime


def _alive(pid: int, started: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: alive
    return not started or _start_time(pid) in ("", started)


def make_folder() -> Path:
    """A new temporary folder for one crawl, marked as this process's."""
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))
    (folder / OWNER).write_text(f"{os.getpid()} {_start_time(os.getpid())}", "utf-8")
    return folder


def sweep(root: Path | None = None) -> list[Path]:
    """Remove the temporary folders of crawls whose parent is gone; returns them."""
    root = Path(root or tempfile.gettempdir())
    removed = []
    for folder in root.glob(PREFIX + "*"):
        try:
            if not folder.is_dir() or folder.is_symlink():
                continue
            owner = folder / OWNER
            if owner.is_file():
                pid, _, started = owner.read_text("utf-8").partition(" ")
                if _alive(int(pid), started.strip()):
                    continue
            elif time.time() - folder.stat().st_mtime < _UNOWNED_GRACE:
                continue
        except (OSError, ValueError):
            continue  # unreadable, or another user's: not ours to remove
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def die_with_parent(parent: int, watch_fd: int | None) -> None:
    """In the child: exit as soon as the process ``parent`` is gone."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no prctl: the pipe below still ties us to the parent
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(ORPHANED)
    if watch_fd is not None:
        threading.Thread(target=_watch, args=(watch_fd,), name="parent-watchdog", daemon=True).start()


def _watch(fd: int) -> None:
    try:
        while os.read(fd, 64):
            pass
    except OSError:
        pass
    os._exit(ORPHANED)  # no clean-up: a dead parent wants nothing more written
