"""The item pipeline: hand each parsed item to the store, which keeps it as its source's record,
derives the merged dossier and tags it with the topics (``policytrack.store``).

A crawl is a session of the store: the first complete crawl of a spider is its baseline, whose
changes establish what exists and are not announced as news (docs/dossiers.md).
"""

from __future__ import annotations

from datetime import UTC, datetime

from policytrack.model import Document, Procedure
from policytrack.store import Store


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
        stats = self.store.upsert(unique, datetime.now(UTC), baseline=self.baseline)
        self.stored += len(unique)
        self.batch = []
        for name in ("new", "changed", "unchanged"):
            self.crawler.stats.inc_value(f"policytrack/{name}", getattr(stats, name))

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
