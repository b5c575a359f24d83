"""Loading records into Elasticsearch: the caller's thread builds and serialises, senders send.

The caller's thread turns items into records and JSON (a store cursor must stay in the thread
that made it) and puts chunks on a bounded queue; a sender thread runs the client's
``parallel_bulk`` over them with ``THREADS`` concurrent ``_bulk`` requests of ``CHUNK`` actions,
so serialising the next chunk overlaps with the node indexing the previous ones. An exception
while reading the items stops the senders and is re-raised; a rejected action is counted and the
first one reported.
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
_END, _ABORT = object(), object()


class Aborted(Exception):
    """Stops the senders when reading the items failed."""


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
    """Send every action of ``per_item`` (read in this thread); ``touch`` on each answer."""
    from elasticsearch import helpers

    feed: queue.Queue = queue.Queue(maxsize=4 * threads)
    outcome = Outcome()

    def actions() -> Iterator[dict]:
        while True:
            got = feed.get()
            if got is _END:
                return
            if got is _ABORT:
                raise Aborted()
            yield from got

    def send() -> None:
        try:
            for success, info in helpers.parallel_bulk(
                es,
                actions(),
                thread_count=threads,
                queue_size=threads,
                chunk_size=chunk,
                max_chunk_bytes=MAX_CHUNK_BYTES,
                raise_on_error=False,
                raise_on_exception=True,
            ):
                touch()
                if success:
                    outcome.ok += 1
                    continue
                outcome.failed += 1
                if not outcome.first:
                    op = next(iter(info.values()))
                    outcome.first = f"{op.get('_id')}: {short(op.get('error'))}"
        except BaseException as e:  # noqa: BLE001  # not swallowed: the caller re-raises it
            outcome.error = e

    sender = threading.Thread(target=send, name="es-bulk", daemon=True)
    sender.start()

    def put(got: object) -> bool:
        while sender.is_alive():
            try:
                feed.put(got, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    try:
        batch: list[dict] = []
        for acts in per_item:
            outcome.items += 1
            batch.extend(acts)
            if len(batch) >= 100:
                if not put(batch):
                    break  # the sender stopped: the caller raises its error
                batch = []
        put(batch)
        put(_END)
    except BaseException:
        put(_ABORT)
        sender.join()
        raise
    sender.join()
    return outcome
