"""The store: the one SQLite file that holds items, their change log, subscribers and the digest
ledger. Every other module asks it for what it needs; none touches its connection.
"""

from .db import Change, Item, Store, StoredItem, UpsertStats, describe_changes
from .ledger import CLOSED_STATES, FIRST_PERIOD, MIN_GAP, OPEN_STATES, STATES, Entry, Ledger, SendLock
from .schema import SCHEMA_VERSION
from .subscribers import STATUSES, Subscriber, SubscriberFields, SubscriberRows

__all__ = [
    "CLOSED_STATES",
    "FIRST_PERIOD",
    "MIN_GAP",
    "OPEN_STATES",
    "SCHEMA_VERSION",
    "STATES",
    "STATUSES",
    "Change",
    "Entry",
    "Item",
    "Ledger",
    "SendLock",
    "Store",
    "StoredItem",
    "Subscriber",
    "SubscriberFields",
    "SubscriberRows",
    "UpsertStats",
    "describe_changes",
]
