"""The item pipeline: hand each parsed item to the store, which keeps it as its source's record,
derives the merged dossier and tags it with the topics (``policytrack.store``).

A crawl is a session of the store: the first complete crawl of a spider is its baseline, whose
changes establish what exists and are not announced as news (docs/dossiers.md).

One item the store refuses fails alone: a batch that cannot be written is written again item by
item, the refused item is reported to its spider (``PolicySpider.item_failed``: counted, named in
the summary with its id, page and reason) and the crawl state does not advance for the page it
came from, so the next run fetches it again. The rest of the batch is stored.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from policytrack.model import Document, Procedure
from policytrack.store import Store, UpsertStats

log = logging.getLogger(__name__)


class StorePipeline:
    """Upserts in batches; the store says what was new, changed or unchanged."""

    batch_size = 50

    def __init__(self, crawler, store_path: str, topics=None) -> None:
        self.crawler = crawler
        self.store_path = store_path
        self.topics = topics
        self.batch: list = []
        self.store: Store | None = None
        self.crawl_id = 0
        self.baseline = False
        self.stored = 0

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(crawler, settings.get("POLICYTRACK_STORE_PATH"), settings.get("POLICYTRACK_TOPICS"))

    def open_spider(self):
        if self.store_path:
            self.store = Store(self.store_path, topics=self.topics)
            name = getattr(self.crawler.spider, "name", "") or "crawl"
            self.crawl_id, self.baseline = self.store.begin_crawl(name, datetime.now(UTC))

    def process_item(self, item):
        if isinstance(item, (Document, Procedure)) and self.store is not None:
            self.batch.append(item)
            if len(self.batch) >= self.batch_size:
                self._flush()
        return item

    def _flush(self) -> None:
        if not self.batch or self.store is None:
            return
        # One run may meet the same item twice (a feed lists it twice): keep the last version.
        unique = list({(item.id, item.source): item for item in self.batch}.values())
        self.batch = []
        try:
            stats = self._upsert(unique)
        except Exception:  # noqa: BLE001  # one refused item rolls its batch back: find it, store the rest
            stats = UpsertStats()
            for item in unique:
                try:
                    stats += self._upsert([item])
                except Exception as e:  # noqa: BLE001  # any refusal: counted and named, never lost quietly
                    self._refused(item, e)
        for name in ("new", "changed", "unchanged"):
            self.crawler.stats.inc_value(f"policytrack/{name}", getattr(stats, name))

    def _upsert(self, items: list) -> UpsertStats:
        assert self.store is not None
        stats = self.store.upsert(items, datetime.now(UTC), baseline=self.baseline)
        self.stored += len(items)
        return stats

    def _refused(self, item, error: Exception) -> None:
        reason = " ".join(f"{type(error).__name__}: {error}".split())[:300]
        spider = self.crawler.spider
        if hasattr(spider, "item_failed"):
            spider.item_failed(item, f"not stored: {reason}")
        else:  # a spider of another kind: still counted and logged
            log.warning("%s not stored: %s", item.id, reason)
            self.crawler.stats.inc_value("policytrack/failed")

    def close_spider(self):
        try:
            self._flush()
            if self.store is not None:
                # A crawl that stored nothing (every feed failed) established nothing: the next
                # one is still the baseline.
                self.store.end_crawl(self.crawl_id, datetime.now(UTC), self.stored)
        finally:
            if self.store is not None:
                self.store.close()
