"""The store: the one SQLite file that holds items, their change log, subscribers and the digest
ledger. Every other module asks it for what it needs; none touches its connection.
"""

from .changes import NEWS_WINDOW, Change, describe_changes, is_news
from .db import Item, RecordInfo, Store, StoredItem, UpsertStats
from .ledger import CLOSED_STATES, FIRST_PERIOD, MIN_GAP, OPEN_STATES, STATES, Entry, Ledger, SendLock
from .schema import SCHEMA_VERSION
from .subscribers import STATUSES, Subscriber, SubscriberFields, SubscriberRows

__all__ = [
    "CLOSED_STATES",
    "FIRST_PERIOD",
    "MIN_GAP",
    "NEWS_WINDOW",
    "OPEN_STATES",
    "SCHEMA_VERSION",
    "STATES",
    "STATUSES",
    "Change",
    "Entry",
    "Item",
    "Ledger",
    "RecordInfo",
    "SendLock",
    "Store",
    "StoredItem",
    "Subscriber",
    "SubscriberFields",
    "SubscriberRows",
    "UpsertStats",
    "describe_changes",
    "is_news",
]
