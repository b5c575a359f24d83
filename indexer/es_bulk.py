"""Loading records into Elasticsearch: the caller's thread builds and serialises, senders send.

The caller's thread turns items into records and JSON (a store cursor must stay in the thread
that made it) and puts chunks of ``CHUNK`` actions on a bounded queue; ``THREADS`` sender threads
each send one chunk at a time (the client's ``streaming_bulk``, which retries a chunk the node
refuses with 429), so serialising the next chunks overlaps with the node indexing the previous
ones. The first error stops the senders and the reading (a frozen node costs one request's
timeout, not one per remaining chunk); an exception while reading the items stops the senders
and is re-raised; a rejected action is counted and the first one reported.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from .base import Item
from .fields import to_record

CHUNK = 500  # actions per _bulk request (benchmarks/bench_index.py tunes it against the node)
THREADS = 2  # concurrent _bulk requests
MAX_CHUNK_BYTES = 20 << 20
_END = object()


class Outcome:
    def __init__(self) -> None:
        self.items = 0  # items read (each with its sections)
        self.ok = 0  # actions the node accepted (items and sections)
        self.failed = 0
        self.first = ""  # the first rejected action: id and reason
        self.error: BaseException | None = None  # what stopped the senders


def actions_of(index: str, items: Iterable[tuple[Item, datetime]], stamp: str) -> Iterator[list[dict]]:
    """Per item, its bulk actions: the item, then each of its sections (``stamp``: this run)."""
    for item, changed in items:
        rec = to_record(item, changed)
        out = [{"_op_type": "index", "_index": index, "_id": rec.id, "_source": _json(rec.as_source())}]
        for order, section in enumerate(rec.sections):
            source = section.as_source(rec.id, order, stamp)
            out.append({"_op_type": "index", "_index": index, "_id": source["id"], "_source": _json(source)})
        yield out


def _json(source: dict) -> str:
    return json.dumps(source, ensure_ascii=False)


def load(
    es: Any,
    per_item: Iterable[list[dict]],
    *,
    touch: Callable[[], None],
    short: Callable[[Any], str],
    threads: int = THREADS,
    chunk: int = CHUNK,
) -> Outcome:
    """Send every action of ``per_item`` (read in this thread) in chunks of ``chunk`` actions by
    ``threads`` senders; ``touch`` on each answer. The first error stops everything: the other
    senders finish the request they are in and take no more, and reading stops."""
    from elasticsearch import helpers

    work: queue.Queue = queue.Queue(maxsize=2 * threads)
    outcome = Outcome()
    stop = threading.Event()
    lock = threading.Lock()

    def sender() -> None:
        while True:
            try:
                batch = work.get(timeout=0.2)
            except queue.Empty:
                if stop.is_set():
                    return
                continue
            if batch is _END or stop.is_set():
                return
            try:
                for success, info in helpers.streaming_bulk(
                    es,
                    batch,
                    chunk_size=len(batch),
                    max_chunk_bytes=MAX_CHUNK_BYTES,
                    raise_on_error=False,
                    raise_on_exception=True,
                    max_retries=3,
                ):
                    touch()
                    with lock:
                        if success:
                            outcome.ok += 1
                            continue
                        outcome.failed += 1
                        if not outcome.first:
                            op = next(iter(info.values()))
                            outcome.first = f"{op.get('_id')}: {short(op.get('error'))}"
            except BaseException as e:  # noqa: BLE001  # not swallowed: the caller re-raises it
                with lock:
                    outcome.error = outcome.error or e
                stop.set()
                return

    senders = [threading.Thread(target=sender, name=f"es-bulk-{i}", daemon=True) for i in range(threads)]
    for t in senders:
        t.start()

    def put(got: object) -> bool:
        while not stop.is_set():
            try:
                work.put(got, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    try:
        batch: list[dict] = []
        for acts in per_item:
            outcome.items += 1
            batch.extend(acts)
            if len(batch) >= chunk:
                if not put(batch):
                    break  # a sender failed: the caller raises its error
                batch = []
        if batch:
            put(batch)
    except BaseException:
        stop.set()
        raise
    finally:
        for _ in senders:
            put(_END)
        for t in senders:
            t.join()
    return outcome
