"""Saying which step waits for Elasticsearch, once, when a request has had no answer for a while.

A frozen node (stopped, swapping, overloaded) answers nothing; each request then waits up to
its timeout. Without a word that is a silent hang, so the backend wraps every request in a
``Stall.step`` and a watcher thread logs the step after ``NOTICE_AFTER`` seconds ("waiting for
Elasticsearch at … while bulk-loading the new index …").
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

NOTICE_AFTER = 5.0  # seconds without an answer before the waiting step is named
log = logging.getLogger("indexer.elastic")


class Stall:
    """Names the step that waits for Elasticsearch, once, when no answer came for a while.

    One daemon thread per backend, started with the first step; ``touch`` counts any answer
    (a bulk chunk acknowledged) as progress.
    """

    def __init__(self, url: str, timeout: float, after: float = NOTICE_AFTER) -> None:
        self.url, self.default_timeout, self.notice_after = url, timeout, after
        self.doing = ""
        self.timeout = timeout
        self.last = 0.0
        self.told = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def after(self) -> float:
        """Seconds before the notice: said before the request gives up, however short its timeout."""
        return min(self.notice_after, self.timeout / 2)

    @contextmanager
    def step(self, doing: str, *, timeout: float | None = None) -> Iterator[None]:
        """Requests made inside wait for ``doing`` (at most ``timeout`` s, else the backend's)."""
        outer = (self.doing, self.timeout, self.last, self.told)
        self.doing, self.last, self.told = doing, time.monotonic(), False
        self.timeout = timeout or self.default_timeout
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="es-stall", daemon=True)
            self._thread.start()
        try:
            yield
        finally:
            self.doing, self.timeout, self.last, self.told = outer

    def touch(self) -> None:
        self.last = time.monotonic()
        self.told = False

    def _watch(self) -> None:
        while not self._stop.wait(0.25):
            doing, waited = self.doing, time.monotonic() - self.last
            if doing and not self.told and waited >= self.after:
                self.told = True
                log.warning(
                    "waiting for Elasticsearch at %s while %s (no answer for %.0f s; giving up after %g s)",
                    self.url,
                    doing,
                    waited,
                    self.timeout,
                )

    def close(self) -> None:
        self._stop.set()
