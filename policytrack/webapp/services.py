"""What the app is given by its caller (the CLI): settings, how to open the search backend and
the store, the app's public address and a clock. The app never opens a backend by itself.

Search backends are not shared between threads: the embedded backend holds one SQLite
connection and runs each search in its own read transaction. ``BackendPool`` keeps a few open
side by side and lends each to one search at a time (SQLite releases the GIL while it reads, so
two searches do run at once on two cores).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from indexer import Backend

from ..config import Settings
from ..store import Store
from .errors import Unavailable, WebappError

WAIT_SECONDS = 10.0  # a search waits this long for a free backend before answering 503


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    settings: Settings
    open_backend: Callable[[], Backend]
    open_store: Callable[[], Store]
    public_url: str  # the app's own address, for links in emails and feeds (ends with "/")
    clock: Callable[[], datetime] = field(default=_utc_now)

    def __post_init__(self) -> None:
        if not self.public_url.startswith(("http://", "https://")) or not self.public_url.endswith("/"):
            raise WebappError(f"the app's public URL must be http(s) and end with '/', got {self.public_url!r}")


class BackendPool:
    """``size`` backends opened at start-up, each lent to one search at a time."""

    def __init__(self, open_backend: Callable[[], Backend], size: int) -> None:
        if size < 1:
            raise WebappError(f"app.search_connections must be 1 or more, got {size}")
        self._free: queue.LifoQueue[Backend] = queue.LifoQueue()
        self._all: list[Backend] = []
        self._lock = threading.Lock()
        try:
            for _ in range(size):
                backend = open_backend()
                self._all.append(backend)
                self._free.put(backend)
        except BaseException:
            self.close()
            raise

    @property
    def name(self) -> str:
        return self._all[0].name

    @contextmanager
    def borrow(self) -> Iterator[Backend]:
        try:
            backend = self._free.get(timeout=WAIT_SECONDS)
        except queue.Empty:
            raise Unavailable("the search is busy; try again in a moment") from None
        try:
            yield backend
        finally:
            self._free.put(backend)

    def warm(self) -> int:
        """Run one faceted match-all search on every backend (the embedded backend loads its
        facet codes on the first one); returns how many items the index holds."""
        total = 0
        for backend in self._all:
            total = backend.search("", per_page=1, facets=True).total
        return total

    def close(self) -> None:
        with self._lock:
            for backend in self._all:
                backend.close()
            self._all.clear()
