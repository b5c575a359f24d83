"""Subscribing with double opt-in, preferences and saved searches, without HTTP in sight.

Nothing is stored before the address is confirmed: the confirmation link carries what the
person asked for (address, topics, searches, language), signed and expiring
(``digest.tokens``, purpose "confirm"). Confirming adds the subscriber, or adds the request to
an existing one (re-activating an unsubscribed address: the person asked for it from their own
mailbox). Validation is the subscriber book's (``digest.subscribers``); storage the store's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..config import Settings
from ..digest.errors import SubscriberError, TokenError
from ..digest.subscribers import Subscribers, split_list
from ..digest.tokens import address_key, make_token, read_timed, sign_timed
from ..store import Subscriber, SubscriberFields


@dataclass(frozen=True)
class Wish:
    """What someone asked for in the subscribe form (validated by ``Subscribers.validate``)."""

    email: str
    name: str = ""
    topics: tuple[str, ...] = ()
    searches: tuple[str, ...] = ()  # names of the configuration's saved searches
    queries: tuple[tuple[str, str], ...] = ()  # own searches: (query, name)
    language: str = "en"

    def fields(self, book: Subscribers) -> SubscriberFields:
        return book.validate(
            email=self.email,
            name=self.name,
            topics=self.topics,
            searches=self.searches,
            queries=[q for q, _ in self.queries],
            language=self.language,
            query_names=dict(self.queries),
        )

    def payload(self) -> dict[str, Any]:
        return {
            "e": self.email,
            "n": self.name,
            "t": list(self.topics),
            "s": list(self.searches),
            "q": [list(pair) for pair in self.queries],
            "l": self.language,
        }

    @classmethod
    def from_payload(cls, data: Any) -> Wish:
        try:
            return cls(
                email=str(data["e"]),
                name=str(data["n"]),
                topics=tuple(str(t) for t in data["t"]),
                searches=tuple(str(s) for s in data["s"]),
                queries=tuple((str(q), str(n)) for q, n in data["q"]),
                language=str(data["l"]),
            )
        except (KeyError, TypeError, ValueError):
            raise TokenError("this link is not valid (its contents are incomplete)") from None


@dataclass
class Choice:
    """What the preferences form sets: it replaces what the subscriber follows."""

    name: str = ""
    topics: tuple[str, ...] = ()
    searches: tuple[str, ...] = ()
    queries: list[tuple[str, str]] = field(default_factory=list)
    language: str = "en"


def confirm_token(settings: Settings, wish: Wish, now: datetime) -> str:
    return sign_timed(settings.digest.secret, "confirm", wish.payload(), now)


def read_confirm_token(settings: Settings, token: str, now: datetime) -> Wish:
    hours = timedelta(hours=settings.app.confirm_hours)
    return Wish.from_payload(read_timed(settings.digest.secret, "confirm", token, max_age=hours, now=now))


def preferences_token(settings: Settings, subscriber: Subscriber, now: datetime) -> str:
    return sign_timed(settings.digest.secret, "preferences", [subscriber.id, address_key(subscriber.email)], now)


def read_preferences_token(settings: Settings, token: str, now: datetime, book: Subscribers) -> Subscriber:
    hours = timedelta(hours=settings.app.preferences_hours)
    data = read_timed(settings.digest.secret, "preferences", token, max_age=hours, now=now)
    if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], int) and isinstance(data[1], str)):
        raise TokenError("this link is not valid (its contents are incomplete)")
    return subscriber_for(book, data[0], data[1])


def subscriber_for(book: Subscribers, subscriber_id: int, key: str) -> Subscriber:
    """The subscriber a token or session names, if the address behind the id is still the same."""
    sub = book.by_id(subscriber_id)
    if sub is None or address_key(sub.email) != key:
        raise TokenError("this link belongs to an address that is no longer subscribed")
    return sub


def unsubscribe_token(settings: Settings, subscriber: Subscriber) -> str:
    return make_token(settings.digest.secret, subscriber.id, subscriber.email)


def merge(existing: Subscriber | None, wish: Wish) -> Wish:
    """The subscriber after confirming ``wish``: what they followed plus what they asked for."""
    if existing is None or not existing.active:
        return wish
    names = dict(existing.query_names)
    names.update({q: n for q, n in wish.queries if n})
    queries = split_list([*existing.queries, *(q for q, _ in wish.queries)])
    return Wish(
        email=existing.email,
        name=wish.name or existing.name,
        topics=split_list([*existing.topics, *wish.topics]),
        searches=split_list([*existing.searches, *wish.searches]),
        queries=tuple((q, names.get(q, "")) for q in queries),
        language=wish.language,
    )


def confirm(book: Subscribers, wish: Wish, now: datetime) -> Subscriber:
    merged = merge(book.get(wish.email), wish)
    sub, _ = book.add(now, update=True, **_fields_kwargs(merged))
    return sub


def save_choice(book: Subscribers, subscriber: Subscriber, choice: Choice, now: datetime) -> Subscriber:
    wish = Wish(
        email=subscriber.email,
        name=choice.name,
        topics=choice.topics,
        searches=choice.searches,
        queries=tuple(choice.queries),
        language=choice.language,
    )
    sub, _ = book.add(now, update=True, **_fields_kwargs(wish))
    return sub


def add_query(book: Subscribers, subscriber: Subscriber, query: str, name: str, now: datetime) -> Subscriber:
    """Add one saved search (or rename it when it is already followed)."""
    queries = [(q, subscriber.name_of(q)) for q in subscriber.queries if q != query]
    choice = Choice(
        name=subscriber.name,
        topics=subscriber.topics,
        searches=subscriber.searches,
        queries=[*queries, (query, name)],
        language=subscriber.language,
    )
    return save_choice(book, subscriber, choice, now)


def _fields_kwargs(wish: Wish) -> dict[str, Any]:
    return {
        "email": wish.email,
        "name": wish.name,
        "topics": wish.topics,
        "searches": wish.searches,
        "queries": [q for q, _ in wish.queries],
        "language": wish.language,
        "query_names": dict(wish.queries),
    }


def check_wish(book: Subscribers, wish: Wish) -> None:
    """Raise SubscriberError when the wish would not be accepted at confirmation."""
    wish.fields(book)


__all__ = ["Choice", "SubscriberError", "Wish"]
