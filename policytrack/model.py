"""The domain model: what flows from the spiders to the store, the index, the site and the digest.

Every item is a frozen dataclass, validated on creation (a bad value raises
``ValidationError`` naming the field) and JSON-serialisable through ``to_dict`` /
``item_from_dict``. Dates are ``datetime.date`` in Python and ISO strings in JSON.

Item ids are stable and say what they are: ``celex:32024L1760``, ``proc:2022/0051(COD)``,
``ep:A-9-2024-0163``, ``press:20241212IPR25960``, ``oeil-summary:1864147``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from functools import lru_cache
from operator import attrgetter
from typing import Any, ClassVar, NoReturn, Self

from .errors import IdentifierError, ValidationError
from .identifiers import (
    PROCEDURE_TYPES,
    eurovoc_uri,
    is_eurovoc,
    normalise_celex,
    normalise_eurovoc,
    normalise_procedure,
    parse_eli,
)
from .text import clean

DOCUMENT_TYPES = (
    "regulation",
    "directive",
    "decision",
    "recommendation",
    "proposal",
    "communication",
    "staff working document",
    "report",
    "opinion",
    "resolution",
    "amendments",
    "text adopted",
    "press release",
    "summary",
    "position",
    "agreement",
    "judgment",
    "act",
    "other",
)
PROCEDURE_STATUSES = ("ongoing", "completed", "withdrawn", "lapsed", "rejected")
NOTE_KINDS = ("briefing", "recommendation", "research")
# The parts of an act's text, as the Official Journal prints them: the citations before the
# recitals ("preamble"), recitals, articles, the concluding formula ("final") and annexes.
SECTION_KINDS = ("preamble", "recital", "article", "final", "annex")
ASK_STATUSES = ("open", "partly met", "met", "rejected", "dropped")
_ID_RE = re.compile(r"^[a-z][a-z0-9\-]*:\S+$")
_URL_RE = re.compile(r"^https?://\S+$")
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9\-]*$")


def _fail(kind: str, name: str, problem: str) -> NoReturn:
    raise ValidationError(kind, name, problem)


def _as_date(kind: str, name: str, value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    _fail(kind, name, f"must be an ISO date (YYYY-MM-DD), got {value!r}")


def _words(text: str) -> str:
    """``text`` cleaned (``policytrack.text``), its runs of white space made one space, and none
    at either end."""
    if len(text) <= 200:  # ids, names, titles: the same ones recur item after item
        return _short_words(text if type(text) is str else str(text))
    return " ".join(clean(text).split())


_short_clean = lru_cache(maxsize=16384)(clean)


@lru_cache(maxsize=16384)
def _short_words(text: str) -> str:
    # (keys are plain str: an lxml "smart" string would keep its whole document alive here)
    return " ".join(clean(text).split())


def _as_strings(kind: str, name: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        _fail(kind, name, f"must be a list of strings, got {type(value).__name__}")
    out: dict[str, None] = {}  # (an ordered set: the first of equal strings wins)
    for v in value:
        if not isinstance(v, str):
            _fail(kind, name, f"must contain only strings, got {v!r}")
        v = _words(v)
        if v:
            out[v] = None
    return tuple(out)


def _text(kind: str, name: str, value: Any, *, required: bool = False, limit: int = 10_000_000) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        _fail(kind, name, f"must be text, got {type(value).__name__}")
    # Every text field passes here: no control, bidi or half characters (policytrack/text.py).
    # Short ones (names, actors, stages) recur item after item: their check is cached.
    text = _short_clean(value if type(value) is str else str(value)) if len(value) <= 200 else clean(value)
    if required and not text.strip():
        _fail(kind, name, "is required")
    if len(text) > limit:
        _fail(kind, name, f"is longer than {limit} characters")
    return text


def _url(kind: str, name: str, value: Any) -> str:
    if value == "" and type(value) is str:
        return value
    text = _text(kind, name, value)
    if text and not _URL_RE.match(text):
        _fail(kind, name, f"must be an http(s) URL, got {text[:80]!r}")
    return text


def _celex(kind: str, name: str, value: Any) -> str | None:
    if not value:
        return None
    try:
        return normalise_celex(value)
    except IdentifierError as e:
        _fail(kind, name, str(e))


def _procedure(kind: str, name: str, value: Any, *, required: bool = False) -> str | None:
    if not value:
        if required:
            _fail(kind, name, "is required")
        return None
    try:
        return normalise_procedure(value)
    except IdentifierError as e:
        _fail(kind, name, str(e))


def json_hash(text: str) -> str:
    """The content hash of an item's ``to_json()`` text (callers holding the text reuse it)."""
    return hashlib.sha256(text.encode()).hexdigest()


class Item:
    """Shared behaviour of every stored item."""

    kind: ClassVar[str]
    id: str

    def to_dict(self) -> dict[str, Any]:
        data = _plain_fields(self)
        data["kind"] = self.kind
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    def content_hash(self) -> str:
        """A hash of the content, independent of key order: the store's change detector."""
        return json_hash(self.to_json())

    def replace(self, **changes: Any) -> Self:
        data = {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]
        data.update(changes)
        return type(self)(**data)


def _jsonable_dict(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _jsonable(v) for k, v in data.items()}


def _plain_fields(obj: Any) -> dict[str, Any]:
    """A dataclass as JSON-ready values: what ``asdict`` then ``_jsonable`` give, in one pass and
    without ``asdict``'s deep copies (items are frozen; nothing here is shared mutable state).
    The store serialises every item it writes, so this is on its hot path."""
    return {name: _plain(getattr(obj, name)) for name in _field_names(type(obj))}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return _plain_fields(value)
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


_EMPTY = (tuple, list)
_DATE_TYPE = date


# An event's title and actor checked once per distinct text: a crawl meets the same few hundred
# ("Committee referral announced in Parliament", "European Parliament") procedure after procedure.
# (Plain str only: an lxml "smart" string would keep its whole document alive in the cache; a
# text that fails its check raises and is not cached.)
@lru_cache(maxsize=8192)
def _event_title(title: str) -> str:
    return _words(_text("event", "title", title, required=True, limit=2000))


@lru_cache(maxsize=1024)
def _event_actor(actor: str) -> str:
    return _text("event", "actor", actor, limit=500).strip()


# A procedure's events link the same few documents again and again (a report is the basis of its
# debate, its vote, its adoption): a tuple of ids is checked once.
@lru_cache(maxsize=4096)
def _checked_documents(documents: tuple[str, ...]) -> tuple[str, ...]:
    return _as_strings("event", "documents", documents)


def _event_documents(documents: tuple[Any, ...]) -> tuple[str, ...]:
    try:
        return _checked_documents(documents)
    except TypeError:  # (something unhashable in it: not a list of strings, said as such)
        return _as_strings("event", "documents", documents)


@dataclass(frozen=True, init=False)
class Event:
    """One step of a procedure: a proposal, a committee vote, a plenary vote, a publication…

    ``forecast`` marks announced future steps (OEIL forecasts, plenary agendas).
    """

    date: date
    title: str
    actor: str = ""  # "European Commission", "European Parliament", "Council of the EU"…
    documents: tuple[str, ...] = ()  # item ids or references of linked documents
    url: str = ""
    forecast: bool = False
    sources: tuple[str, ...] = ()  # the sources that report this step (merged records)

    # Written out rather than generated with a __post_init__: each field is set once, already
    # validated, instead of twice. A procedure carries dozens of events, and building them was
    # most of the cost of parsing an EP Open Data procedure (benchmarks/bench_parse.py).
    def __init__(
        self,
        date: Any,
        title: Any,
        actor: Any = "",
        documents: Any = (),
        url: Any = "",
        forecast: Any = False,
        sources: Any = (),
    ) -> None:
        k = "event"
        # (a parser's date is a date already: no call to check it; a datetime is not one)
        when = date if type(date) is _DATE_TYPE else _as_date(k, "date", date)
        if when is None:
            _fail(k, "date", "is required")
        if not isinstance(forecast, bool):
            _fail(k, "forecast", "must be true or false")
        # Straight into the instance's dict (frozen dataclasses forbid setting attributes; item by
        # item is the cheapest way). Titles and actors are checked once per distinct text; most
        # events link no document, and only merged ones have sources: an empty list or tuple is
        # no list to check.
        own = self.__dict__
        own["date"] = when
        if type(title) is str:
            own["title"] = _event_title(title)
        else:
            own["title"] = _words(_text(k, "title", title, required=True, limit=2000))
        own["actor"] = _event_actor(actor) if type(actor) is str else _text(k, "actor", actor, limit=500).strip()
        if type(documents) is tuple:
            own["documents"] = _event_documents(documents)
        elif documents or type(documents) not in _EMPTY:
            own["documents"] = _as_strings(k, "documents", documents)
        else:
            own["documents"] = ()
        own["url"] = url if url == "" and type(url) is str else _url(k, "url", url)
        own["forecast"] = forecast
        own["sources"] = _as_strings(k, "sources", sources) if sources or type(sources) not in _EMPTY else ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        return cls(**_known(cls, "event", data))


def _known(cls: type, kind: str, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValidationError(kind, "(item)", f"must be an object, got {type(data).__name__}")
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names - {"kind"}
    if unknown:
        raise ValidationError(kind, sorted(unknown)[0], "is not a known field")
    return {k: v for k, v in data.items() if k in names}


def _events(kind: str, value: Any) -> tuple[Event, ...]:
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        _fail(kind, "events", "must be a list")
    out = [e if isinstance(e, Event) else Event.from_dict(e) for e in value]
    return tuple(sorted(out, key=_BY_DATE_AND_TITLE))


_BY_DATE_AND_TITLE = attrgetter("date", "title")


@dataclass(frozen=True)
class Section:
    """One part of an act's full text: a recital, an article, an annex…

    ``number`` is what the act prints ("3", "I"; "" for a lone "ANNEX"); ``anchor`` is the id of
    the part in the official XHTML (``art_3``, ``rct_12``; some annex ids hold a no-break space),
    so a link ``#anchor`` on the official text lands on it exactly.
    """

    kind: str
    number: str
    anchor: str
    heading: str = ""
    text: str = ""

    def __post_init__(self) -> None:
        k = "section"
        if self.kind not in SECTION_KINDS:
            _fail(k, "kind", f"must be one of {', '.join(SECTION_KINDS)}; got {self.kind!r}")
        object.__setattr__(self, "number", _text(k, "number", self.number, limit=50).strip())
        anchor = _text(k, "anchor", self.anchor, required=True, limit=200)
        if anchor != anchor.strip() or any(c in anchor for c in '\n\t\r"<>#'):
            _fail(k, "anchor", f"must be an element id, got {anchor[:80]!r}")
        object.__setattr__(self, "anchor", anchor)
        object.__setattr__(self, "heading", " ".join(_text(k, "heading", self.heading, limit=2000).split()))
        object.__setattr__(self, "text", _text(k, "text", self.text))

    def label(self) -> str:
        """How people cite it: ``Article 3``, ``Recital 12``, ``Annex I``, ``Annex``."""
        name = {"preamble": "Preamble", "final": "Final part"}.get(self.kind, self.kind.capitalize())
        return f"{name} {self.number}".strip()

    @classmethod
    def from_value(cls, value: Any) -> Section:
        if isinstance(value, Section):
            return value
        return cls(**_known(cls, "section", value))


def _sections(kind: str, value: Any) -> tuple[Section, ...]:
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        _fail(kind, "sections", "must be a list")
    out = tuple(Section.from_value(v) for v in value)
    anchors = [s.anchor for s in out]
    if len(set(anchors)) != len(anchors):
        _fail(kind, "sections", "anchors must be unique")
    return out


@dataclass(frozen=True)
class Disagreement:
    """Sources that say different things about one field of a merged item, all of them kept.

    ``values`` maps each source to what it says (as text); ``chosen`` names the source whose
    value the merged item carries (the precedence rule's choice, or ``timeline`` when the value
    was computed from the merged timeline).
    """

    field: str
    values: dict[str, str]
    chosen: str = ""

    def __post_init__(self) -> None:
        k = "disagreement"
        object.__setattr__(self, "field", _text(k, "field", self.field, required=True, limit=200).strip())
        if not isinstance(self.values, dict) or not all(
            isinstance(a, str) and isinstance(b, str) for a, b in self.values.items()
        ):
            _fail(k, "values", "must be a mapping of source to text")
        object.__setattr__(
            self, "values", {a: _text(k, "values", b, limit=5000) for a, b in sorted(self.values.items())}
        )
        object.__setattr__(self, "chosen", _text(k, "chosen", self.chosen, limit=50))

    @classmethod
    def from_value(cls, value: Any) -> Disagreement:
        return value if isinstance(value, Disagreement) else cls(**_known(cls, "disagreement", value))


def _disagreements(kind: str, value: Any) -> tuple[Disagreement, ...]:
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        _fail(kind, "disagreements", "must be a list")
    return tuple(Disagreement.from_value(v) for v in value)


def _provenance(kind: str, value: Any) -> dict[str, tuple[str, ...]]:
    """Field name → the sources its value came from (a merged item's provenance)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        _fail(kind, "provenance", "must be a mapping of field name to sources")
    return {str(name): _as_strings(kind, f"provenance.{name}", v) for name, v in sorted(value.items())}


def _merged_fields(item: Any, kind: str) -> None:
    """Validate the fields every merged item carries (sources, provenance, disagreements)."""
    if item.sources == () and item.disagreements == () and type(item.provenance) is dict and not item.provenance:
        return  # a source's own record (not merged): nothing to check
    object.__setattr__(item, "sources", _as_strings(kind, "sources", item.sources))
    object.__setattr__(item, "provenance", _provenance(kind, item.provenance))
    object.__setattr__(item, "disagreements", _disagreements(kind, item.disagreements))


@dataclass(frozen=True)
class Document(Item):
    """A document: an act, a proposal, an EP report, a press release, a summary…"""

    kind: ClassVar[str] = "document"
    id: str
    title: str
    source: str  # "eurlex", "cellar", "ep-odp", "oeil", "ep-press", "feed"
    url: str = ""
    doc_type: str = "other"
    celex: str | None = None
    eli: str | None = None
    procedure: str | None = None
    date: date | None = None  # the document's own date
    # Spelled through the module: in the class body, `date` is the field above, not the type.
    dates: dict[str, datetime.date] = field(default_factory=dict)  # adoption, publication, transposition…
    authors: tuple[str, ...] = ()
    eurovoc: tuple[str, ...] = ()
    summary: str = ""
    text: str = ""
    topics: tuple[str, ...] = ()
    language: str = "en"  # of the title and text: a work without an English title keeps another
    # Every procedure the document is about, its own first (a press release can name several).
    procedures: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()  # the source's own subject headings ("Fisheries policy")
    # The structure of ``text`` when the source gives it (recitals, articles, annexes of an act
    # from Cellar); ``text`` stays the whole plain text. Stores written before it read as ().
    sections: tuple[Section, ...] = ()
    # Merged items only (``policytrack.merge``): which sources contributed, which source gave
    # each field, and what the sources disagree on.
    sources: tuple[str, ...] = ()
    provenance: dict[str, tuple[str, ...]] = field(default_factory=dict)
    disagreements: tuple[Disagreement, ...] = ()

    def __post_init__(self) -> None:
        k = "document"
        if not isinstance(self.id, str) or not _ID_RE.match(self.id):
            _fail(k, "id", f"must look like 'scheme:value', got {self.id!r}")
        object.__setattr__(self, "title", " ".join(_text(k, "title", self.title, required=True, limit=5000).split()))
        object.__setattr__(self, "source", _text(k, "source", self.source, required=True, limit=50))
        object.__setattr__(self, "url", _url(k, "url", self.url))
        if self.doc_type not in DOCUMENT_TYPES:
            _fail(k, "doc_type", f"must be one of {', '.join(DOCUMENT_TYPES)}; got {self.doc_type!r}")
        object.__setattr__(self, "celex", _celex(k, "celex", self.celex))
        if self.eli:
            try:
                parse_eli(self.eli)
            except IdentifierError as e:
                _fail(k, "eli", str(e))
        else:
            object.__setattr__(self, "eli", None)
        object.__setattr__(self, "procedure", _procedure(k, "procedure", self.procedure))
        related = [_procedure(k, "procedures", p) for p in _as_strings(k, "procedures", self.procedures)]
        merged = tuple(dict.fromkeys(p for p in (self.procedure, *related) if p))
        object.__setattr__(self, "procedures", merged)
        if self.procedure is None and merged:
            object.__setattr__(self, "procedure", merged[0])
        object.__setattr__(self, "date", _as_date(k, "date", self.date))
        if not isinstance(self.dates, dict):
            _fail(k, "dates", "must be a mapping of name to date")
        object.__setattr__(
            self, "dates", {str(n): _as_date(k, f"dates.{n}", v) for n, v in sorted(self.dates.items()) if v}
        )
        for name in ("authors", "eurovoc", "topics", "subjects"):
            object.__setattr__(self, name, _as_strings(k, name, getattr(self, name)))
        object.__setattr__(self, "summary", _text(k, "summary", self.summary, limit=200_000))
        object.__setattr__(self, "text", _text(k, "text", self.text))
        if not re.match(r"^[a-z]{2}$", self.language or ""):
            _fail(k, "language", f"must be a two-letter code, got {self.language!r}")
        object.__setattr__(self, "sections", _sections(k, self.sections))
        _merged_fields(self, k)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        return cls(**_known(cls, "document", data))


KEY_PLAYER_ROLES = (
    "committee responsible",
    "committee for opinion",
    "rapporteur",
    "shadow rapporteur",
    "rapporteur for opinion",
    "commission",  # the Commission DG or commissioner in charge
    "council",  # the Council configuration
    "other",
)


_PLAYER_FIELDS = ("role", "name", "committee", "group")


@dataclass(frozen=True, init=False)
class KeyPlayer:
    """Who carries a dossier: a committee, a (shadow) rapporteur with their group, a DG…

    ``committee`` is the committee a person acts for (``JURI``); ``group`` their political group
    (``S&D``). A plain string (what stores of the first release hold) reads as a name whose role
    is unknown (``other``).
    """

    role: str
    name: str
    committee: str = ""
    group: str = ""

    # Written out, as Event's: each field set once, already validated.
    def __init__(self, role: Any, name: Any, committee: Any = "", group: Any = "") -> None:
        k = "key player"
        normalised = " ".join(_text(k, "role", role, limit=100).split()).lower() or "other"
        if normalised not in KEY_PLAYER_ROLES:
            _fail(k, "role", f"must be one of {', '.join(KEY_PLAYER_ROLES)}; got {role!r}")
        values = {
            "role": normalised,
            "name": _words(_text(k, "name", name, required=True, limit=500)),
            "committee": _words(_text(k, "committee", committee, limit=200)),
            "group": _words(_text(k, "group", group, limit=200)),
        }
        self.__dict__.update(values, _hash=hash(tuple(values.values())))

    # Hashed once, not at every lookup (a procedure's players are deduplicated in a dict, a merge
    # compares every source's): the fields never change. The hash is not pickled (string hashes
    # differ from one process to the next).
    def __hash__(self) -> int:
        return self.__dict__["_hash"]  # type: ignore[no-any-return]

    def __getstate__(self) -> dict[str, Any]:
        return {name: self.__dict__[name] for name in _PLAYER_FIELDS}

    def __setstate__(self, state: dict[str, Any]) -> None:
        values = {name: state[name] for name in _PLAYER_FIELDS}
        self.__dict__.update(values, _hash=hash(tuple(values.values())))

    def __str__(self) -> str:
        """``Lara WOLTERS (S&D), rapporteur, JURI``: how pages, digests and the index show it."""
        out = self.name + (f" ({self.group})" if self.group else "")
        if self.role != "other":
            out += f", {self.role}"
        if self.committee and self.committee != self.name:
            out += f", {self.committee}"
        return out

    @classmethod
    def from_value(cls, value: Any) -> KeyPlayer:
        if isinstance(value, KeyPlayer):
            return value
        if isinstance(value, str):
            return cls(role="other", name=value)
        return cls(**_known(cls, "key player", value))


def _key_players(kind: str, value: Any) -> tuple[KeyPlayer, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, dict)):
        value = [value]
    if not isinstance(value, (list, tuple)):
        _fail(kind, "key_players", "must be a list")
    out: dict[KeyPlayer, None] = {}
    for v in value:
        out.setdefault(v if type(v) is KeyPlayer else KeyPlayer.from_value(v))
    return tuple(out)


@dataclass(frozen=True)
class Procedure(Item):
    """A legislative (or other) procedure followed from proposal to adoption and after."""

    kind: ClassVar[str] = "procedure"
    id: str
    reference: str  # canonical 2022/0051(COD)
    title: str
    source: str
    url: str = ""
    stage: str = ""  # the source's own words: "Awaiting Council's 1st reading position"
    status: str = "ongoing"
    events: tuple[Event, ...] = ()
    documents: tuple[str, ...] = ()  # ids of linked documents
    final_act: str | None = None  # CELEX of the adopted act
    key_players: tuple[KeyPlayer, ...] = ()  # committees, rapporteurs and shadows, DGs…
    eurovoc: tuple[str, ...] = ()
    summary: str = ""
    topics: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()  # the source's own subject headings ("3.70.03 Climate policy")
    geo_areas: tuple[str, ...] = ()  # geographical areas a procedure concerns ("Ukraine")
    # Merged items only (``policytrack.merge``): see Document.
    sources: tuple[str, ...] = ()
    provenance: dict[str, tuple[str, ...]] = field(default_factory=dict)
    disagreements: tuple[Disagreement, ...] = ()

    def __post_init__(self) -> None:
        k = "procedure"
        ref = _procedure(k, "reference", self.reference, required=True)
        checked: dict[str, Any] = {"reference": ref}
        if self.id != f"proc:{ref}":
            if isinstance(self.id, str) and self.id.startswith("proc:"):
                try:
                    same = normalise_procedure(self.id[5:]) == ref
                except IdentifierError:
                    same = False
                if same:
                    checked["id"] = f"proc:{ref}"
                else:
                    _fail(k, "id", f"must be 'proc:{ref}', got {self.id!r}")
            else:
                _fail(k, "id", f"must be 'proc:{ref}', got {self.id!r}")
        checked["title"] = " ".join(_text(k, "title", self.title, required=True, limit=5000).split())
        checked["source"] = _text(k, "source", self.source, required=True, limit=50)
        checked["url"] = _url(k, "url", self.url)
        checked["stage"] = " ".join(_text(k, "stage", self.stage, limit=500).split())
        if self.status not in PROCEDURE_STATUSES:
            _fail(k, "status", f"must be one of {', '.join(PROCEDURE_STATUSES)}; got {self.status!r}")
        checked["events"] = _events(k, self.events)
        checked["final_act"] = _celex(k, "final_act", self.final_act)
        for name in ("documents", "eurovoc", "topics", "subjects", "geo_areas"):
            value = getattr(self, name)
            checked[name] = value if value == () else _as_strings(k, name, value)  # (most are empty)
        checked["key_players"] = _key_players(k, self.key_players)
        checked["summary"] = _text(k, "summary", self.summary, limit=200_000)
        self.__dict__.update(checked)  # at once, as Event does
        _merged_fields(self, k)

    @property
    def type(self) -> str:
        return self.reference[-4:-1]

    @property
    def type_name(self) -> str:
        return PROCEDURE_TYPES.get(self.type, self.type)

    def upcoming(self, today: date) -> list[Event]:
        """Events dated today or later (forecasts, deadlines, announced votes)."""
        return [e for e in self.events if e.date >= today]

    def past(self, today: date) -> list[Event]:
        return [e for e in self.events if e.date < today]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Procedure:
        return cls(**_known(cls, "procedure", data))


@dataclass(frozen=True)
class Ask:
    """One concrete ask of a recommendation, aimed at an act/article or a dossier."""

    text: str
    target: str  # "32024L1760 Art. 8", "2022/0051(COD)", free words allowed after the identifier
    status: str = "open"
    procedure: str | None = None
    celex: str | None = None

    def __post_init__(self) -> None:
        k = "ask"
        object.__setattr__(self, "text", _text(k, "text", self.text, required=True, limit=5000).strip())
        object.__setattr__(self, "target", _text(k, "target", self.target, required=True, limit=500).strip())
        if self.status not in ASK_STATUSES:
            _fail(k, "status", f"must be one of {', '.join(ASK_STATUSES)}; got {self.status!r}")
        object.__setattr__(self, "procedure", _procedure(k, "procedure", self.procedure))
        object.__setattr__(self, "celex", _celex(k, "celex", self.celex))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Ask:
        return cls(**_known(cls, "ask", data))


@dataclass(frozen=True)
class Note(Item):
    """A coalition text: a briefing note, a recommendation (with asks) or a research entry."""

    kind: ClassVar[str] = "note"
    id: str  # "note:<slug>"
    note_type: str
    title: str
    date: date
    slug: str
    body: str = ""  # Markdown, rendered and sanitised by the site builder
    summary: str = ""
    authors: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    procedures: tuple[str, ...] = ()
    celex: tuple[str, ...] = ()
    status: str = "published"
    asks: tuple[Ask, ...] = ()
    url: str = ""  # research entries: where the report lives
    source_file: str = ""

    def __post_init__(self) -> None:
        k = "note"
        if self.note_type not in NOTE_KINDS:
            _fail(k, "note_type", f"must be one of {', '.join(NOTE_KINDS)}; got {self.note_type!r}")
        if not isinstance(self.slug, str) or not _SLUG_RE.match(self.slug):
            _fail(k, "slug", f"must be lower-case letters, digits and dashes, got {self.slug!r}")
        if self.id != f"note:{self.slug}":
            _fail(k, "id", f"must be 'note:{self.slug}', got {self.id!r}")
        object.__setattr__(self, "title", " ".join(_text(k, "title", self.title, required=True, limit=1000).split()))
        object.__setattr__(self, "date", _as_date(k, "date", self.date))
        if self.date is None:
            _fail(k, "date", "is required")
        object.__setattr__(self, "body", _text(k, "body", self.body))
        object.__setattr__(self, "summary", _text(k, "summary", self.summary, limit=20_000).strip())
        for name in ("authors", "topics"):
            object.__setattr__(self, name, _as_strings(k, name, getattr(self, name)))
        procs = _as_strings(k, "procedures", self.procedures)
        object.__setattr__(self, "procedures", tuple(_procedure(k, "procedures", p) for p in procs))
        acts = _as_strings(k, "celex", self.celex)
        object.__setattr__(self, "celex", tuple(_celex(k, "celex", c) for c in acts))
        object.__setattr__(self, "status", _text(k, "status", self.status, limit=100).strip() or "published")
        asks = self.asks or ()
        if not isinstance(asks, (list, tuple)):
            _fail(k, "asks", "must be a list")
        object.__setattr__(self, "asks", tuple(a if isinstance(a, Ask) else Ask.from_dict(a) for a in asks))
        object.__setattr__(self, "url", _url(k, "url", self.url))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Note:
        return cls(**_known(cls, "note", data))


@dataclass(frozen=True)
class Topic:
    """A watched topic: matched by keywords, EuroVoc concepts and explicit procedures/acts.

    EuroVoc concepts are watched by id (``eurovoc_ids``: what Cellar is queried with); their
    preferred labels (``eurovoc``) are for people, and match items whose sources give labels.
    In the configuration each concept is ``{ id = "7942", label = "corporate social
    responsibility" }``; a bare id or concept URI is accepted too, and a bare label (the
    first release's form) still tags items but is not queried.
    """

    slug: str
    title: str
    description: str = ""
    keywords: tuple[str, ...] = ()
    eurovoc: tuple[str, ...] = ()
    procedures: tuple[str, ...] = ()
    celex: tuple[str, ...] = ()
    eurovoc_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        k = "topic"
        if not isinstance(self.slug, str) or not _SLUG_RE.match(self.slug):
            _fail(k, "slug", f"must be lower-case letters, digits and dashes, got {self.slug!r}")
        object.__setattr__(self, "title", _text(k, "title", self.title, required=True, limit=200))
        object.__setattr__(self, "description", _text(k, "description", self.description, limit=5000))
        object.__setattr__(self, "keywords", _as_strings(k, "keywords", self.keywords))
        labels, ids = _eurovoc_entries(k, self.eurovoc)
        ids += [_eurovoc_id(k, "eurovoc_ids", i) for i in _as_strings(k, "eurovoc_ids", self.eurovoc_ids)]
        object.__setattr__(self, "eurovoc", tuple(dict.fromkeys(labels)))
        object.__setattr__(self, "eurovoc_ids", tuple(dict.fromkeys(ids)))
        procs = _as_strings(k, "procedures", self.procedures)
        object.__setattr__(self, "procedures", tuple(_procedure(k, "procedures", p) for p in procs))
        acts = _as_strings(k, "celex", self.celex)
        object.__setattr__(self, "celex", tuple(_celex(k, "celex", c) for c in acts))

    @property
    def eurovoc_uris(self) -> tuple[str, ...]:
        return tuple(eurovoc_uri(i) for i in self.eurovoc_ids)

    def to_dict(self) -> dict[str, Any]:
        return _jsonable_dict(asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Topic:
        return cls(**_known(cls, "topic", data))


def _eurovoc_id(kind: str, name: str, value: str) -> str:
    try:
        return normalise_eurovoc(value)
    except IdentifierError as e:
        _fail(kind, name, str(e))


def _eurovoc_entries(kind: str, value: Any) -> tuple[list[str], list[str]]:
    """Labels and ids of ``eurovoc``: tables ``{id, label}``, ids or URIs, or bare labels."""
    if value is None:
        return [], []
    if isinstance(value, (str, dict)):
        value = [value]
    if not isinstance(value, (list, tuple)):
        _fail(kind, "eurovoc", f"must be a list, got {type(value).__name__}")
    labels: list[str] = []
    ids: list[str] = []
    for entry in value:
        if isinstance(entry, dict):
            unknown = set(entry) - {"id", "label"}
            if unknown or not isinstance(entry.get("id"), str):
                _fail(kind, "eurovoc", f'a concept is {{ id = "…", label = "…" }}, got {entry!r}')
            ids.append(_eurovoc_id(kind, "eurovoc", entry["id"]))
            labels += _as_strings(kind, "eurovoc", entry.get("label"))
        elif isinstance(entry, str) and is_eurovoc(entry):
            ids.append(normalise_eurovoc(entry))
        else:
            labels += _as_strings(kind, "eurovoc", [entry])
    return labels, ids


ITEM_TYPES: dict[str, type[Document] | type[Procedure] | type[Note]] = {
    "document": Document,
    "procedure": Procedure,
    "note": Note,
}


def item_from_dict(data: dict[str, Any]) -> Document | Procedure | Note:
    """Rebuild (and re-validate) an item from its JSON form."""
    if not isinstance(data, dict):
        raise ValidationError("item", "(item)", f"must be an object, got {type(data).__name__}")
    kind = data.get("kind")
    if kind not in ITEM_TYPES:
        raise ValidationError("item", "kind", f"must be one of {', '.join(ITEM_TYPES)}; got {kind!r}")
    return ITEM_TYPES[kind].from_dict(data)


def items_from_jsonl(lines: Iterable[str]) -> Iterable[Document | Procedure | Note]:
    for line in lines:
        if line.strip():
            yield item_from_dict(json.loads(line))
