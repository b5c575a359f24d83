"""Item pipelines: tag items with the configured topics, then upsert them into the store."""

from __future__ import annotations

from datetime import UTC, datetime

from policytrack.model import Document, Procedure
from policytrack.store import Store
from policytrack.topics import tag


def keep_full_text(new: Document | Procedure, stored: object) -> Document | Procedure:
    """An act's structured official text (from Cellar: ``sections``) is not lost when another
    source later in the run — a EUR-Lex page, a feed — describes the same act without it.
    (Merging sources field by field is the store's; this keeps the one thing a later page can
    never bring back.)"""
    if isinstance(new, Document) and isinstance(stored, Document) and stored.sections and not new.sections:
        return new.replace(text=stored.text, sections=stored.sections)
    return new


class TopicPipeline:
    def __init__(self, topics) -> None:
        self.topics = topics

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("POLICYTRACK_TOPICS") or ())

    def process_item(self, item: object) -> object:
        # One branch per kind: `tag` returns the type it is given, not a union of the two.
        if isinstance(item, Document):
            return tag(item, self.topics)
        if isinstance(item, Procedure):
            return tag(item, self.topics)
        return item


class StorePipeline:
    """Upserts in batches; the store says what was new, changed or unchanged."""

    batch_size = 50

    def __init__(self, crawler, store_path: str) -> None:
        self.crawler = crawler
        self.store_path = store_path
        self.batch: list = []
        self.store: Store | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.get("POLICYTRACK_STORE_PATH"))

    def open_spider(self):
        if self.store_path:
            self.store = Store(self.store_path)

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
        unique = [keep_full_text(item, self.store.get(item.id)) for item in {i.id: i for i in self.batch}.values()]
        stats = self.store.upsert(unique, datetime.now(UTC))
        self.batch = []
        for name in ("new", "changed", "unchanged"):
            self.crawler.stats.inc_value(f"policytrack/{name}", getattr(stats, name))

    def close_spider(self):
        try:
            self._flush()
        finally:
            if self.store is not None:
                self.store.close()
