"""How the store turns per-source records into the items everybody reads.

Writing a parsed item stores what its source said (``source_records``: one row per item id,
source and origin) and then derives again every item those records are about:

1. merge all records of the id (``policytrack.merge``) into one item;
2. record the dossier links it declares (a procedure's documents and adopted act, a document's
   procedures: ``links``), in both directions;
3. tag it with the one topic rule (``policytrack.topics``): its own matches and the topics of
   the dossiers it is linked to; tracked means in at least one topic;
4. compare with the stored item: a change is logged (with its legislative date) only when the
   content moved; every rewrite of the row takes a new ``rev`` (what incremental indexing reads).

When a procedure's topics or links move, the documents linked to it are tagged again.
Everything here runs inside the caller's transaction.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..errors import PolicytrackError
from ..merge import SourceRecord, contributions, merge
from ..model import Document, Procedure, Topic, item_from_dict, json_hash
from ..topics import item_topics
from .changes import describe_changes

Item = Document | Procedure


def with_topics(item: Item, topics: tuple[str, ...]) -> Item:
    """The item with these topics. ``item_topics`` returns valid slugs only, so the copy skips
    the validation a ``replace`` would run again over every field of a valid item."""
    tagged = copy.copy(item)
    object.__setattr__(tagged, "topics", topics)
    return tagged


@dataclass
class Deriver:
    """The derivation steps over one write transaction of the store (``Store._write``).

    ``derive`` says what it did to the stored item: ``new``, ``changed``, ``unchanged`` or
    ``none`` (no record describes the item itself yet)."""

    conn: sqlite3.Connection
    topics: Sequence[Topic]
    stamp: str
    baseline: bool = False
    rev: int = 0
    retagged: set[str] = field(default_factory=set)
    # Records written by this transaction, as objects: deriving reads them back without
    # parsing and validating their JSON again.
    fresh: dict[tuple[str, str, str], Item] = field(default_factory=dict)

    def next_rev(self) -> int:
        if not self.rev:
            self.rev = int(self.conn.execute("SELECT coalesce(max(rev), 0) FROM items").fetchone()[0])
        self.rev += 1
        return self.rev

    # ------------------------------------------------------------------ records
    def put(self, item: Item) -> tuple[set[str], bool]:
        """Store what ``item``'s source says; returns the ids to derive again, and whether the
        item's own record changed."""
        touched: set[str] = set()
        own_changed = False
        targets = []
        for target, data, origin in contributions(item):
            targets.append(target)
            text = data.to_json()
            digest = json_hash(text)
            key = (target, item.source, origin)
            self.fresh[key] = data
            row = self.conn.execute(
                "SELECT hash FROM source_records WHERE item_id = ? AND source = ? AND origin = ?", key
            ).fetchone()
            if row is None:
                self.conn.execute(
                    "INSERT INTO source_records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*key, data.kind, digest, text, self.stamp, self.stamp, self.stamp),
                )
            elif row[0] != digest:
                self.conn.execute(
                    "UPDATE source_records SET kind = ?, hash = ?, data = ?, fetched = ?, changed = ?"
                    " WHERE item_id = ? AND source = ? AND origin = ?",
                    (data.kind, digest, text, self.stamp, self.stamp, *key),
                )
            else:
                self.conn.execute(
                    "UPDATE source_records SET fetched = ? WHERE item_id = ? AND source = ? AND origin = ?",
                    (self.stamp, *key),
                )
                continue
            touched.add(target)
            own_changed = own_changed or not origin
        # Procedures this document no longer names lose what it said about them.
        stale = [
            r[0]
            for r in self.conn.execute(
                "SELECT item_id FROM source_records WHERE origin = ? AND source = ?", (item.id, item.source)
            )
            if r[0] not in targets
        ]
        for target in stale:
            self.conn.execute(
                "DELETE FROM source_records WHERE item_id = ? AND source = ? AND origin = ?",
                (target, item.source, item.id),
            )
            touched.add(target)
        return touched, own_changed

    # ------------------------------------------------------------------ derivation
    def derive_all(self, ids: Iterable[str]) -> dict[str, str]:
        """Derive ``ids`` again: procedures first (documents take their dossiers' topics)."""
        out = {i: self.derive(i) for i in sorted(set(ids), key=lambda i: (not i.startswith("proc:"), i))}
        for doc_id in sorted(self.retagged - set(out)):
            self.retag(doc_id)
        self.retagged.clear()
        return out

    def records_of(self, item_id: str) -> list[SourceRecord]:
        rows = self.conn.execute("SELECT source, origin FROM source_records WHERE item_id = ?", (item_id,))
        out = []
        for source, origin in rows.fetchall():
            item = self.fresh.get((item_id, source, origin))
            if item is None:
                row = self.conn.execute(
                    "SELECT data FROM source_records WHERE item_id = ? AND source = ? AND origin = ?",
                    (item_id, source, origin),
                ).fetchone()
                loaded = item_from_dict(json.loads(row[0]))
                if not isinstance(loaded, (Document, Procedure)):
                    continue
                item = loaded
            out.append(SourceRecord(source, item, origin))
        return out

    def derive(self, item_id: str) -> str:
        merged = merge(self.records_of(item_id))
        if merged is None:
            return "none"
        old_links = self._linked_documents(item_id)
        self._write_links(merged)
        merged = with_topics(merged, self._topics_of(merged))
        state, old_topics = self._store(merged)
        if isinstance(merged, Procedure) and (
            merged.topics != old_topics or self._linked_documents(item_id) != old_links
        ):
            self.retagged |= old_links | self._linked_documents(item_id)
        return state

    def retag(self, item_id: str) -> None:
        """Tag a stored item again (its dossiers' topics moved); no change is logged."""
        row = self.conn.execute("SELECT data FROM items WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            return
        try:
            item = item_from_dict(json.loads(row[0]))
        except (PolicytrackError, ValueError, TypeError):
            return  # a row that is no valid item (edited by hand) stays as it is; readers skip it
        if not isinstance(item, (Document, Procedure)):
            return
        topics = self._topics_of(item)
        if topics == item.topics:
            return
        tagged = with_topics(item, topics)
        data = tagged.to_json()
        self.conn.execute(
            "UPDATE items SET hash = ?, data = ?, topics = ?, tracked = ?, rev = ? WHERE id = ?",
            (json_hash(data), data, json.dumps(topics), int(bool(topics)), self.next_rev(), item_id),
        )
        if isinstance(item, Procedure):
            self.retagged |= self._linked_documents(item_id)

    # ------------------------------------------------------------------ helpers
    def _linked_documents(self, proc_id: str) -> set[str]:
        if not proc_id.startswith("proc:"):
            return set()
        rows = self.conn.execute("SELECT item_id FROM links WHERE procedure = ?", (proc_id[5:],))
        return {r[0] for r in rows}

    def _write_links(self, item: Item) -> None:
        if isinstance(item, Procedure):
            ids = [*item.documents, *([f"celex:{item.final_act}"] if item.final_act else [])]
            pairs = {(item.reference, i) for i in ids}
        else:
            pairs = {(ref, item.id) for ref in item.procedures}
        self.conn.execute("DELETE FROM links WHERE via = ?", (item.id,))
        self.conn.executemany("INSERT INTO links VALUES (?, ?, ?)", [(p, i, item.id) for p, i in sorted(pairs)])

    def _topics_of(self, item: Item) -> tuple[str, ...]:
        if isinstance(item, Procedure):
            return item_topics(item, self.topics)
        refs = [r[0] for r in self.conn.execute("SELECT DISTINCT procedure FROM links WHERE item_id = ?", (item.id,))]
        dossiers = []
        for ref in refs:
            row = self.conn.execute("SELECT topics FROM items WHERE id = ?", (f"proc:{ref}",)).fetchone()
            if row is not None:
                dossiers.append(json.loads(row[0]))
        return item_topics(item, self.topics, dossiers)

    def _store(self, item: Item) -> tuple[str, tuple[str, ...]]:
        """Write the merged item; returns its state and the topics it had before."""
        data = item.to_json()
        digest = json_hash(data)
        row = self.conn.execute("SELECT hash, data FROM items WHERE id = ?", (item.id,)).fetchone()
        if row is not None and row[0] == digest:
            self.conn.execute("UPDATE items SET last_seen = ? WHERE id = ?", (self.stamp, item.id))
            return "unchanged", item.topics
        old = item_from_dict(json.loads(row[1])) if row is not None else None
        changes = describe_changes(old, item)
        topics = json.dumps(item.topics)
        if row is None:
            self.conn.execute(
                "INSERT INTO items (id, kind, hash, data, first_seen, last_changed, last_seen, topics, tracked, rev)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    item.id,
                    item.kind,
                    digest,
                    data,
                    self.stamp,
                    self.stamp,
                    self.stamp,
                    topics,
                    int(bool(item.topics)),
                    self.next_rev(),
                ),
            )
        else:
            # last_changed moves with the content only (what the change log records).
            self.conn.execute(
                "UPDATE items SET kind = ?, hash = ?, data = ?, last_seen = ?, topics = ?, tracked = ?, rev = ?,"
                " last_changed = CASE WHEN ? THEN ? ELSE last_changed END WHERE id = ?",
                (
                    item.kind,
                    digest,
                    data,
                    self.stamp,
                    topics,
                    int(bool(item.topics)),
                    self.next_rev(),
                    bool(changes),
                    self.stamp,
                    item.id,
                ),
            )
        self.conn.executemany(
            "INSERT INTO changes (at, item_id, kind, change, detail, happened, baseline) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    self.stamp,
                    item.id,
                    item.kind,
                    c,
                    json.dumps(d, ensure_ascii=False),
                    h.isoformat() if h else None,
                    int(self.baseline),
                )
                for c, d, h in changes
            ],
        )
        old_topics = old.topics if old is not None and isinstance(old, (Document, Procedure)) else ()
        if row is None:
            return "new", old_topics
        return ("changed" if changes else "unchanged"), old_topics
