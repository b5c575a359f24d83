"""Parse, validate and normalise the identifiers EU sources use.

* CELEX numbers: ``32024L1760``, ``52022PC0071``, consolidated ``02024L1760-20250417``,
  corrigenda ``32024L1760R(01)``.
* ELI URIs: ``http://data.europa.eu/eli/dir/2024/1760/oj`` and the European Parliament's
  ``eli/dl/proc/2022-0051``.
* Official Journal references: ``OJ L 130, 19.5.2017, p. 1`` and ``OJ L, 2024/1760, 5.7.2024``.
* Procedure references in every spelling the sources use, to one canonical ``2022/0051(COD)``.
* EuroVoc concept ids: ``7942``, ``c_b18ab65c`` and their URIs ``http://eurovoc.europa.eu/7942``.

No library does this (see shared/LIBRARIES.md), so the grammar lives here and is fuzzed in tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from urllib.parse import unquote

from .errors import IdentifierError

# --------------------------------------------------------------------------- CELEX

CELEX_SECTORS = {
    "0": "consolidated text",
    "1": "treaties",
    "2": "international agreements",
    "3": "legal acts",
    "4": "complementary legislation",
    "5": "preparatory documents",
    "6": "case-law",
    "7": "national transposition",
    "8": "references to national case-law",
    "9": "parliamentary questions",
    "C": "other OJ C documents",
    "E": "EFTA documents",
}

# Descriptor letters of sector 3 (and 0) acts, the ones this project meets most.
ACT_TYPES = {
    "L": "directive",
    "R": "regulation",
    "D": "decision",
    "H": "recommendation",
    "F": "framework decision",
    "A": "opinion",
    "G": "resolution",
}
PREPARATORY_TYPES = {
    "PC": "proposal",
    "DC": "communication",
    "SC": "staff working document",
    "JC": "joint communication",
    "AP": "EP legislative resolution",
    "AE": "EESC opinion",
    "IR": "CoR opinion",
    "AG": "Council position",
    "BP": "EP budget resolution",
}

_CELEX_RE = re.compile(
    r"""^(?P<sector>[0-9CE])
        (?P<year>\d{4})
        (?P<descriptor>[A-Z]{1,2})
        (?P<number>\d{1,6})?
        (?P<suffix>\(\d{1,3}\))?
        (?:R\((?P<corrigendum>\d{1,3})\))?
        (?P<part>(?:/[A-Z]{2,4})+(?:/\d{1,3})?)?
        (?:-(?P<version>\d{8}))?$""",
    re.VERBOSE,
)


@dataclass(frozen=True, order=True)
class Celex:
    """A parsed CELEX number; ``str()`` gives the normalised form."""

    sector: str
    year: int
    descriptor: str
    number: str
    suffix: str = ""  # "(01)" when several documents share a number
    corrigendum: int | None = None
    version: date | None = None  # consolidated versions only

    def __str__(self) -> str:
        out = f"{self.sector}{self.year:04d}{self.descriptor}{self.number}{self.suffix}"
        if self.corrigendum is not None:
            out += f"R({self.corrigendum:02d})"
        if self.version is not None:
            out += "-" + self.version.strftime("%Y%m%d")
        return out

    @property
    def base(self) -> Celex:
        """The act itself: sector 3 for a consolidated version, no corrigendum."""
        sector = "3" if self.sector == "0" else self.sector
        return Celex(sector, self.year, self.descriptor, self.number, self.suffix)

    @property
    def document_type(self) -> str:
        if self.sector in "03":
            return ACT_TYPES.get(self.descriptor, "act")
        if self.sector == "5":
            return PREPARATORY_TYPES.get(self.descriptor, "preparatory document")
        if self.sector == "6":
            return "judgment"
        return CELEX_SECTORS[self.sector]

    @property
    def is_consolidated(self) -> bool:
        return self.sector == "0"

    @property
    def label(self) -> str:
        """How people cite an act: ``Directive (EU) 2024/1760``; other documents keep their number."""
        if self.sector != "3" or self.descriptor not in ACT_TYPES or self.suffix or self.corrigendum is not None:
            return str(self)
        return f"{ACT_TYPES[self.descriptor].capitalize()} (EU) {self.year}/{int(self.number)}"


def _unquote_fully(text: str) -> str:
    """EUR-Lex links carry CELEX numbers escaped up to three times (``CELEX%25253A…``)."""
    for _ in range(4):
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    return text


def parse_celex(text: str) -> Celex:
    """Parse a CELEX number, tolerating a ``CELEX:`` prefix, URL escapes, spaces and case."""
    if not isinstance(text, str):
        raise IdentifierError(f"CELEX number must be text, not {type(text).__name__}")
    raw = _unquote_fully(text).strip()
    cleaned = re.sub(r"\s+", "", raw).upper()
    if cleaned.startswith("CELEX:"):
        cleaned = cleaned[len("CELEX:") :]
    m = _CELEX_RE.match(cleaned)
    if not m:
        raise IdentifierError(f"not a CELEX number: {raw[:80]!r}")
    sector, year = m["sector"], int(m["year"])
    if not 1950 <= year <= 2100:
        raise IdentifierError(f"CELEX number {raw!r}: year {year} out of range")
    if sector == "1":
        # The treaties: a whole text (``12016M/TXT``), a protocol (``12016E/PRO/01``) or an
        # article (``12016E114``), numbered as EUR-Lex writes them, not padded.
        if not (m["number"] or m["part"]) or (m["number"] and m["part"]):
            raise IdentifierError(f"CELEX number {raw!r}: a treaty needs an article number or a part (/TXT)")
        if m["version"]:
            raise IdentifierError(f"CELEX number {raw!r}: only sector 0 has consolidated versions")
        suffix = f"({int(m['suffix'][1:-1]):02d})" if m["suffix"] else ""
        return Celex(sector, year, m["descriptor"], (m["number"] or "") + (m["part"] or ""), suffix)
    if not m["number"] or m["part"]:
        raise IdentifierError(f"not a CELEX number: {raw[:80]!r}")
    number = m["number"].lstrip("0").rjust(4, "0")
    if len(number) > 4 and sector in "035":
        raise IdentifierError(f"CELEX number {raw!r}: number {m['number']} too long")
    version = None
    if m["version"]:
        if sector != "0":
            raise IdentifierError(f"CELEX number {raw!r}: only sector 0 has consolidated versions")
        try:
            version = date(int(m["version"][:4]), int(m["version"][4:6]), int(m["version"][6:]))
        except ValueError:
            raise IdentifierError(f"CELEX number {raw!r}: bad version date") from None
    corrigendum = int(m["corrigendum"]) if m["corrigendum"] else None
    suffix = f"({int(m['suffix'][1:-1]):02d})" if m["suffix"] else ""
    return Celex(sector, year, m["descriptor"], number, suffix, corrigendum, version)


def celex_and_base(celex: str) -> tuple[str, ...]:
    """The CELEX number and, for a consolidated version or corrigendum, the act it belongs to.

    What the index, the site and topic tagging match on, so that a consolidated text of a
    watched act counts as the act. Unparseable input is returned alone, unchanged.
    """
    try:
        base = str(parse_celex(celex).base)
    except IdentifierError:
        return (celex,)
    return (celex,) if base == celex else (celex, base)


def normalise_celex(text: str) -> str:
    return str(parse_celex(text))


def act_label(celex: str) -> str:
    """``32024L1760`` → ``Directive (EU) 2024/1760``; anything that is not an act stays as given."""
    try:
        return parse_celex(celex).label
    except IdentifierError:
        return celex


def is_celex(text: str) -> bool:
    try:
        parse_celex(text)
    except IdentifierError:
        return False
    return True


# --------------------------------------------------------------------------- ELI

ELI_TYPES_TO_DESCRIPTOR = {
    "reg": "R",
    "reg_impl": "R",
    "reg_del": "R",
    "dir": "L",
    "dir_impl": "L",
    "dir_del": "L",
    "dec": "D",
    "dec_impl": "D",
    "dec_del": "D",
    "reco": "H",
}
_DESCRIPTOR_TO_ELI = {"R": "reg", "L": "dir", "D": "dec", "H": "reco"}

_ELI_RE = re.compile(
    r"""^(?:https?://)?(?:data\.europa\.eu/)?eli/
        (?P<type>[a-z_]+)/(?P<year>\d{4})/(?P<number>\d{1,5})
        (?:/(?P<version>oj|\d{4}-\d{2}-\d{2}))?
        (?:/(?P<lang>[a-z]{3}))?
        (?:/(?P<format>[a-z]+))?/?$""",
    re.VERBOSE,
)
_EP_ELI_RE = re.compile(
    r"^(?:https?://data\.europarl\.europa\.eu/)?eli/dl/(?P<kind>proc|doc)/(?P<rest>[A-Za-z0-9\-_()/]+?)/?$"
)


@dataclass(frozen=True)
class Eli:
    """An ELI of an act in the Official Journal (``/oj``) or of a consolidated version (a date)."""

    type: str
    year: int
    number: int
    version: str = "oj"
    language: str = ""

    def __str__(self) -> str:
        out = f"http://data.europa.eu/eli/{self.type}/{self.year}/{self.number}/{self.version}"
        return out + (f"/{self.language}" if self.language else "")

    def to_celex(self) -> Celex:
        try:
            descriptor = ELI_TYPES_TO_DESCRIPTOR[self.type]
        except KeyError:
            raise IdentifierError(f"ELI type {self.type!r} has no CELEX equivalent") from None
        if self.version == "oj":
            return parse_celex(f"3{self.year}{descriptor}{self.number:04d}")
        return parse_celex(f"0{self.year}{descriptor}{self.number:04d}-{self.version.replace('-', '')}")


def parse_eli(text: str) -> Eli:
    raw = (text or "").strip()
    m = _ELI_RE.match(raw)
    if not m:
        raise IdentifierError(f"not an ELI of the Official Journal: {raw[:100]!r}")
    if m["version"] and m["version"] != "oj":
        try:
            date.fromisoformat(m["version"])
        except ValueError:
            raise IdentifierError(f"ELI {raw!r}: bad version date") from None
    return Eli(m["type"], int(m["year"]), int(m["number"]), m["version"] or "oj", m["lang"] or "")


def eli_for_celex(celex: str | Celex) -> Eli | None:
    """The OJ ELI of a sector-3 act, or its consolidated version; None where ELI has no form."""
    c = parse_celex(celex) if isinstance(celex, str) else celex
    eli_type = _DESCRIPTOR_TO_ELI.get(c.descriptor)
    if c.sector not in "03" or eli_type is None or c.suffix or c.corrigendum:
        return None
    version = c.version.isoformat() if c.version else "oj"
    return Eli(eli_type, c.year, int(c.number), version)


# --------------------------------------------------------------------------- OJ references

_OJ_OLD_RE = re.compile(
    r"OJ\s+(?P<series>[LC])\s+(?P<issue>\d{1,4}[A-Z]?)\s*,\s*(?P<date>\d{1,2}\.\d{1,2}\.\d{4})"
    r"(?:\s*,\s*p\.\s*(?P<page>\d+))?"
)
_OJ_NEW_RE = re.compile(r"OJ\s+(?P<series>[LC])\s*,\s*(?P<issue>\d{4}/\d{1,5})\s*,\s*(?P<date>\d{1,2}\.\d{1,2}\.\d{4})")


@dataclass(frozen=True)
class OjReference:
    series: str
    issue: str  # "130" before October 2023, "2024/1760" in the act-by-act OJ since
    date: date
    page: int | None = None

    def __str__(self) -> str:
        d = f"{self.date.day}.{self.date.month}.{self.date.year}"
        if "/" in self.issue:
            return f"OJ {self.series}, {self.issue}, {d}"
        return f"OJ {self.series} {self.issue}, {d}" + (f", p. {self.page}" if self.page else "")


def parse_oj_reference(text: str) -> OjReference:
    raw = (text or "").strip()
    m = _OJ_NEW_RE.search(raw) or _OJ_OLD_RE.search(raw)
    if not m:
        raise IdentifierError(f"not an Official Journal reference: {raw[:100]!r}")
    day, month, year = (int(x) for x in m["date"].split("."))
    try:
        when = date(year, month, day)
    except ValueError:
        raise IdentifierError(f"OJ reference {raw!r}: bad date") from None
    page = int(m["page"]) if "page" in m.groupdict() and m["page"] else None
    return OjReference(m["series"], m["issue"], when, page)


# --------------------------------------------------------------------------- procedures

PROCEDURE_TYPES = {
    "COD": "ordinary legislative procedure",
    "SYN": "cooperation procedure",
    "CNS": "consultation procedure",
    "APP": "consent procedure",
    "AVC": "assent procedure",
    "NLE": "non-legislative enactment",
    "INI": "own-initiative procedure",
    "INL": "legislative initiative procedure",
    "RSP": "resolution on topical subjects",
    "BUD": "budgetary procedure",
    "BUI": "budgetary procedure (interinstitutional)",
    "DEC": "discharge procedure",
    "DEA": "delegated acts procedure",
    "RPS": "implementing acts (regulatory procedure with scrutiny)",
    "IMM": "immunity",
    "REG": "rules of procedure",
    "RSO": "internal organisation decisions",
    "DCE": "written declaration",
    "COS": "strategic initiative procedure",
    "ACI": "interinstitutional agreement procedure",
    "INS": "institutional procedure",
    "PRT": "procedure for EP participation",
}

_PROC_PATTERNS = [
    # 2022/0051(COD), 2022/0051 (COD), 2022/51(cod), 2022-0051(COD), 2022-0051-COD, 2022/0051/COD
    re.compile(
        r"^(?P<year>\d{4})\s*[/\-_]\s*(?P<number>\d{1,4})\s*(?:\(\s*(?P<type>[A-Za-z]{3})\s*\)|[/\-]\s*(?P<type2>[A-Za-z]{3}))?$"
    ),
    # COD/2022/0051 and the Council's COD(2022)0051
    re.compile(r"^(?P<type>[A-Za-z]{3})\s*[/(]\s*(?P<year>\d{4})\s*[/)]\s*(?P<number>\d{1,4})$"),
]


@dataclass(frozen=True, order=True)
class ProcedureRef:
    """A procedure reference. ``type`` is None where a source leaves it out (``2022_51``)."""

    year: int
    number: int
    type: str | None = None

    def __str__(self) -> str:
        base = f"{self.year}/{self.number:04d}"
        return f"{base}({self.type})" if self.type else base

    @property
    def canonical(self) -> str:
        if not self.type:
            raise IdentifierError(f"procedure {self} has no type: canonical form needs one (e.g. COD)")
        return str(self)

    @property
    def eurlex_id(self) -> str:
        """The form in EUR-Lex procedure URLs: ``procedure/EN/2022_51``."""
        return f"{self.year}_{self.number}"

    @property
    def ep_id(self) -> str:
        """The form in EP Open Data URLs: ``eli/dl/proc/2022-0051``."""
        return f"{self.year}-{self.number:04d}"

    def with_type(self, type_: str) -> ProcedureRef:
        return ProcedureRef(self.year, self.number, _check_type(type_, str(self)))


def _check_type(type_: str, raw: str) -> str:
    t = type_.strip().upper()
    if t not in PROCEDURE_TYPES:
        raise IdentifierError(f"procedure {raw!r}: unknown procedure type {type_!r}")
    return t


def parse_procedure(text: str, procedure_type: str | None = None) -> ProcedureRef:
    """Parse any spelling of a procedure reference; ``procedure_type`` fills a type the text lacks.

    A type in the text that contradicts ``procedure_type`` is an error: it means the caller
    paired the wrong two pieces of a page.
    """
    if not isinstance(text, str):
        raise IdentifierError(f"procedure reference must be text, not {type(text).__name__}")
    raw = _unquote_fully(text).strip()
    s = raw
    m_url = re.search(r"eli/dl/proc/([0-9A-Za-z\-()/]+?)/?$", s)
    if m_url:
        s = m_url.group(1)
    m_ref = re.search(r"[?&]reference=([^&#]+)", s)
    if m_ref:
        s = m_ref.group(1)
    m_eurlex = re.search(r"procedure/[A-Z]{2}/(\d{4}_\d{1,4})(?:$|[?#/])", s)
    if m_eurlex:
        s = m_eurlex.group(1)
    for pattern in _PROC_PATTERNS:
        m = pattern.match(s.strip())
        if m:
            break
    else:
        raise IdentifierError(f"not a procedure reference: {raw[:80]!r}")
    year, number = int(m["year"]), int(m["number"])
    if not 1950 <= year <= 2100:
        raise IdentifierError(f"procedure {raw!r}: year {year} out of range")
    if number == 0:
        raise IdentifierError(f"procedure {raw!r}: number must not be 0")
    found = m.groupdict().get("type") or m.groupdict().get("type2")
    found = _check_type(found, raw) if found else None
    if procedure_type is not None and not isinstance(procedure_type, str):
        raise IdentifierError(f"procedure {raw!r}: the type must be text, not {type(procedure_type).__name__}")
    given = _check_type(procedure_type, raw) if procedure_type else None
    if found and given and found != given:
        raise IdentifierError(f"procedure {raw!r} is {found}, not {given}")
    return ProcedureRef(year, number, found or given)


@lru_cache(maxsize=4096)  # every item of a procedure names it, and the model checks it again
def _canonical_procedure(text: str, procedure_type: str | None) -> str:
    return parse_procedure(text, procedure_type).canonical


def normalise_procedure(text: str, procedure_type: str | None = None) -> str:
    """The canonical ``YYYY/NNNN(TYP)`` form; raises if no type can be found."""
    if not isinstance(text, str) or not (procedure_type is None or isinstance(procedure_type, str)):
        return parse_procedure(text, procedure_type).canonical  # (raises the same clear error)
    # (as a plain str: an lxml "smart" string would keep its whole document alive in the cache)
    return _canonical_procedure(str(text), procedure_type if procedure_type is None else str(procedure_type))


def find_procedures(text: str) -> list[str]:
    """Every canonical procedure reference written out in a free text, in order, once each."""
    seen: dict[str, None] = {}
    for m in re.finditer(r"\b(\d{4})\s*/\s*(\d{1,4})\s*\(\s*([A-Z]{3})\s*\)", text or ""):
        if m.group(3) in PROCEDURE_TYPES:
            seen.setdefault(f"{m.group(1)}/{int(m.group(2)):04d}({m.group(3)})")
    return list(seen)


def find_celex(text: str) -> list[str]:
    """Every CELEX number written as ``CELEX:…`` or ``CELEX …`` in a text, normalised."""
    seen: dict[str, None] = {}
    for m in re.finditer(
        r"CELEX(?::|%3A|\s)\s*([0-9CE]\d{4}[A-Z]{1,2}(?:\d{1,6}(?:\(\d{1,3}\))?(?:R\(\d{1,3}\))?(?:-\d{8})?"
        r"|(?:/[A-Z]{2,4})+(?:/\d{1,3})?))",
        text or "",
        re.I,
    ):
        try:
            seen.setdefault(normalise_celex(m.group(1)))
        except IdentifierError:
            continue
    return list(seen)


# --------------------------------------------------------------------------- EuroVoc

EUROVOC_BASE = "http://eurovoc.europa.eu/"
# Concepts are numbered (``7942``, some with a leading zero: ``08133``) or, since 2016, ``c_`` and
# eight hex digits (``c_b18ab65c``).
_EUROVOC_ID_RE = re.compile(r"^(?:\d{1,6}|c_[0-9a-f]{8})$")


def normalise_eurovoc(text: str) -> str:
    """A EuroVoc concept id from an id or a concept URI: ``http://eurovoc.europa.eu/7942`` → ``7942``."""
    raw = (text or "").strip()
    value = raw[len(EUROVOC_BASE) :] if raw.startswith(EUROVOC_BASE) else raw
    value = value.removeprefix("https://eurovoc.europa.eu/")
    if not _EUROVOC_ID_RE.match(value):
        raise IdentifierError(f"not a EuroVoc concept id or URI: {raw[:100]!r}")
    return value


def is_eurovoc(text: str) -> bool:
    try:
        normalise_eurovoc(text)
    except IdentifierError:
        return False
    return True


def eurovoc_uri(concept: str) -> str:
    """The concept's URI, as Cellar and the EP Open Data API name it."""
    return EUROVOC_BASE + normalise_eurovoc(concept)
