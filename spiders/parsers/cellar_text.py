"""The official text of an act as Cellar serves it (XHTML of the Official Journal, asked for by
content negotiation on the work: ``Accept: application/xhtml+xml``, ``Accept-Language: eng``).

One Document: the act's title, dates and ELI as printed, its whole plain text, and its structure
as ``Section``s — the citations ("preamble"), each recital, each article (number and heading as
printed), the concluding formula ("final") and each annex — anchored on the XHTML ids (``rct_12``,
``art_3``, ``anx_I``; some annex ids hold a no-break space, ``anx_\\xa0I``), so that a search hit
can point at "Article 3" of the official text exactly. Footnotes (OJ references) are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from policytrack.errors import IdentifierError
from policytrack.identifiers import normalise_celex, parse_eli
from policytrack.model import Document, Section

from .common import Body, clean, doc_type_from_celex, fail, load_xml, parse_date
from .sparql import celex_of_work

_X = "{http://www.w3.org/1999/xhtml}"
KIND = "Official Journal text (Cellar XHTML)"
_SECTION_ID = re.compile(r"^(rct|art|anx|fnp)_[^.]+$")
_KIND_OF = {"rct": "recital", "art": "article", "anx": "annex", "fnp": "final"}
_MONTHS = {
    m: i
    for i, m in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        1,
    )
}
_SIGNED = re.compile(r"\bof (\d{1,2}) ([A-Za-z]+) (\d{4})\b")
# "DIRECTIVE 2014/24/EU", "REGULATION (EU) 2023/1542", "DIRECTIVE (EU) 2024/1760": the act's number.
_ACT_NUMBER = re.compile(
    r"^(?P<type>REGULATION|DIRECTIVE|DECISION)\b.*?(?:\((?:EU|EC|EEC|Euratom)\)\s*(?P<y1>\d{4})/(?P<n1>\d{1,5})\b"
    r"|\b(?P<y2>\d{4})/(?P<n2>\d{1,5})/(?:EU|EC|EEC))",
    re.I,
)
_LETTER = {"regulation": "R", "directive": "L", "decision": "D"}
# A line that is only a point's label ("(a)", "1.", "(iv)", "—"): it belongs to the next line.
_LABEL = re.compile(r"^(?:\(?[0-9]{1,3}[a-z]?\)|\(?[a-z]{1,2}\)|\(?[ivxlc]{1,6}\)|[0-9]{1,3}\.|[—–\-•])$")
_MARKER = re.compile(r"^[►▼◄][A-Z]?\d*$")
_BEFORE_PUNCTUATION = re.compile(r" ([,;:.])(?= |$)")
_SMALL_WORDS = {"of", "the", "and", "on", "for", "in", "to", "a", "an", "with"}


def parse_text(body: Body, url: str = "") -> list[Document]:
    root = load_xml(body, url, KIND)
    if root.tag != f"{_X}html":
        raise fail(url, KIND, f"root element is {str(root.tag)[:80]!r}, not XHTML")
    title_box = _first(root, "eli-main-title")
    if title_box is None:
        raise fail(url, KIND, "no act title (div.eli-main-title): not an act of the Official Journal")
    title_lines = [_line(p) for p in title_box.iter(f"{_X}p")]
    title_lines = [t for t in title_lines if t]
    if not title_lines:
        raise fail(url, KIND, "the act title is empty")
    eli = _eli(root)
    consolidated = _consolidated(root)
    celex = _celex(url, consolidated or _printed_celex(eli, title_lines[0]))
    title = " ".join([_title_case(title_lines[0]), *title_lines[1:]])
    sections = list(_sections(root))
    if not any(s.kind == "article" for s in sections):
        raise fail(url, KIND, f"{celex} has no articles (art_N)")
    text = "\n".join(_lines(root.find(f"{_X}body"), skip_header=True))
    published = parse_date(_first_text(root, "oj-hd-date"))
    return [
        Document(
            id=f"celex:{celex}",
            title=title,
            source="cellar",
            url=url,
            doc_type=doc_type_from_celex(celex),
            celex=celex,
            eli=eli,
            # A consolidated version is dated by its consolidation, an act by its signature.
            date=_version_date(consolidated) if consolidated else _signed(" ".join(title_lines[1:3])),
            dates={"publication": published} if published else {},
            text=text,
            sections=tuple(sections),
        )
    ]


# ---------------------------------------------------------------- identity of the act


def _eli(root) -> str | None:
    """``ELI: http://data.europa.eu/eli/dir/2024/1760/oj``, printed at the end of recent acts."""
    for p in root.iter(f"{_X}p"):
        text = clean("".join(p.itertext()))
        if text.startswith("ELI:"):
            try:
                return str(parse_eli(text[4:].strip()))
            except IdentifierError:
                return None
    return None


def _consolidated(root) -> str | None:
    """A consolidated version prints ``02024L1760 — EN — 17.04.2025 — 001.002`` at its top:
    its CELEX is then ``02024L1760-20250417``, not the act's."""
    reference = _first(root, "reference")
    m = re.match(
        r"^(0\d{4}[A-Z]\d{4})\s*—\s*[A-Z]{2}\s*—\s*(\d{2})\.(\d{2})\.(\d{4})",
        _line(reference) if reference is not None else "",
    )
    if not m:
        return None
    try:
        return normalise_celex(f"{m[1]}-{m[4]}{m[3]}{m[2]}")
    except IdentifierError:
        return None


def _version_date(consolidated: str) -> date | None:
    stamp = consolidated.rsplit("-", 1)[-1]
    try:
        return date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8]))
    except ValueError:
        return None


def _printed_celex(eli: str | None, first_title_line: str) -> str | None:
    """The act's CELEX as its text prints it: from its ELI, else from its number in the title."""
    if eli:
        try:
            return str(parse_eli(eli).to_celex())
        except IdentifierError:
            pass
    m = _ACT_NUMBER.match(first_title_line)
    if not m:
        return None
    year, number = (m["y1"], m["n1"]) if m["y1"] else (m["y2"], m["n2"])
    return normalise_celex(f"3{year}{_LETTER[m['type'].lower()]}{int(number):04d}")


def _celex(url: str, printed: str | None) -> str:
    """The CELEX the request asked for, checked against the one the text prints."""
    asked = celex_of_work(url)
    if asked and printed and asked != printed:
        raise fail(url, KIND, f"the text is of {printed}, not of the {asked} asked for")
    celex = asked or printed
    if celex is None:
        raise fail(url, KIND, "no CELEX number: neither in the address nor printed (give the work's URL)")
    return celex


def _signed(text: str) -> date | None:
    m = _SIGNED.search(text)
    if not m or m[2].lower() not in _MONTHS:
        return None
    try:
        return date(int(m[3]), _MONTHS[m[2].lower()], int(m[1]))
    except ValueError:
        return None


def _title_case(line: str) -> str:
    """``DIRECTIVE (EU) 2024/1760 OF THE EUROPEAN PARLIAMENT`` → ``Directive (EU) 2024/1760 of the
    European Parliament``: how EUR-Lex and the other sources write the same title."""
    if line != line.upper():
        return line
    words = []
    for i, word in enumerate(line.split()):
        if any(c.isdigit() for c in word) or word.startswith("("):
            words.append(word)
        elif i and word.lower() in _SMALL_WORDS:
            words.append(word.lower())
        else:
            words.append("-".join(part[:1] + part[1:].lower() for part in word.split("-")))
    return " ".join(words)


# ---------------------------------------------------------------- structure


def _sections(root) -> Iterator[Section]:
    preamble = root.find(f".//{_X}div[@id='pbl_1']")
    if preamble is not None:
        text = "\n".join(_lines(preamble, skip=_is_recital))
        if text:
            yield Section("preamble", "", "pbl_1", "", text)
    found: set[str] = set()
    for element in root.iterfind(".//*[@id]"):
        anchor = element.get("id") or ""
        if not _SECTION_ID.match(anchor) or anchor in found:
            continue
        if any(_SECTION_ID.match(a.get("id") or "") for a in element.iterancestors()):
            continue  # quoted inside another section (amending acts): part of that one
        found.add(anchor)
        kind = _KIND_OF[anchor[:3]]
        if kind == "recital":
            yield _recital(element, anchor)
        elif kind == "article":
            yield _article(element, anchor)
        elif kind == "annex":
            yield _annex(element, anchor)
        else:
            yield Section("final", "", anchor, "", "\n".join(_lines(element)))


def _recital(element, anchor: str) -> Section:
    lines = list(_lines(element))
    number = anchor[4:]
    if lines:
        m = re.match(r"^\((\d+[a-z]?)\)\s*(.*)$", lines[0], re.S)
        if m:
            number = m[1]
            lines[0] = m[2]
    return Section("recital", number, anchor, "", "\n".join(line for line in lines if line))


def _article(element, anchor: str) -> Section:
    number, heading = anchor[4:], ""
    title = next((p for p in element if p.tag == f"{_X}p" and re.match(r"^Article\s+\S+$", _line(p))), None)
    if title is not None:
        number = _line(title).split()[1]
    heading_box = element.find(f"{_X}div[@class='eli-title']")
    if heading_box is not None:
        heading = clean(" ".join(_line(p) for p in heading_box.iter(f"{_X}p")))
    skip = {id(title), id(heading_box)}
    text = "\n".join(_lines(element, skip=lambda e: id(e) in skip))
    return Section("article", number, anchor, heading, text)


def _annex(element, anchor: str) -> Section:
    """``ANNEX I`` then, in OJ texts, its heading as a second title line (``Product parameters``)
    or as the first group title (``CENTRAL GOVERNMENT AUTHORITIES``); parts ("Part I") and
    numbered groups are not headings."""
    paragraphs = [p for p in element if p.tag == f"{_X}p" and _line(p)]
    number = anchor[4:].replace("\xa0", " ").strip()
    skip: set[int] = set()
    heading = ""
    title = next((p for p in paragraphs[:2] if re.match(r"^ANNEX\b", _line(p))), None)
    rest = paragraphs
    if title is not None:
        number = _line(title)[5:].strip()
        skip.add(id(title))
        rest = paragraphs[paragraphs.index(title) + 1 :]
    for p in rest[:2]:
        line, classes = _line(p), (p.get("class") or "").split()
        if line.startswith("(") and "oj-doc-ti" in classes:
            continue  # "(referred to in Articles 9 to 12)"
        if ("oj-doc-ti" in classes or {"oj-ti-grseq-1", "oj-ti-tbl"} & set(classes)) and not re.match(
            r"^(Part|Section|Chapter)\b|^\d+\.", line, re.I
        ):
            heading = line
            skip.add(id(p))
        break
    text = "\n".join(_lines(element, skip=lambda e: id(e) in skip))
    return Section("annex", number, anchor, heading, text)


def _is_recital(element) -> bool:
    return (element.get("id") or "").startswith("rct_")


# ---------------------------------------------------------------- text


def _lines(element, *, skip=None, skip_header: bool = False) -> Iterator[str]:
    """The printed lines of an element: one per paragraph or table row, a point's label joined
    to its text, footnotes left out."""
    pending = ""
    for line in _raw_lines(element, skip, skip_header):
        if _MARKER.match(line):
            continue  # consolidated versions mark amended passages: ►B, ▼M1
        if _LABEL.match(line):
            pending = f"{pending} {line}".strip()
            continue
        yield f"{pending} {line}".strip() if pending else line
        pending = ""
    if pending:
        yield pending


def _raw_lines(element, skip, skip_header: bool) -> Iterator[str]:
    if element is None or not isinstance(element.tag, str):
        return
    if _is_note(element) or (skip is not None and skip(element)):
        return
    tag = element.tag[len(_X) :] if element.tag.startswith(_X) else element.tag
    if tag in ("script", "style", "head"):
        return
    if tag == "tr" and element.find(f".//{_X}tr") is None:
        cells = [" ".join(_raw_lines_text(td, skip)) for td in element if isinstance(td.tag, str)]
        line = clean(" ".join(c for c in cells if c))
        if line:
            yield line
        return
    if tag == "p" and element.find(f".//{_X}p") is None and element.find(f".//{_X}table") is None:
        line = _line(element)
        if line:
            yield line
        return
    own = clean(element.text)
    if own:
        yield own
    for child in element:
        if skip_header and child.tag == f"{_X}table":
            continue  # the Official Journal's masthead (flag, "Official Journal of the European Union", date)
        yield from _raw_lines(child, skip, False)
        tail = clean(child.tail)
        if tail:
            yield tail


def _raw_lines_text(element, skip) -> list[str]:
    return list(_raw_lines(element, skip, False))


def _line(element) -> str:
    """The text of one paragraph, white space normalised, without the calls of the footnotes
    that are left out."""
    text = clean("".join(_text_parts(element)))
    if element.find(f".//{_X}a[@href]") is not None:
        text = _BEFORE_PUNCTUATION.sub(r"\1", text)  # "Committee (1)," without its footnote: "Committee,"
    return text


def _text_parts(element) -> Iterator[str]:
    if element.text:
        yield element.text
    for child in element:
        if isinstance(child.tag, str) and not _is_note(child):
            yield from _text_parts(child)
        if child.tail:
            yield child.tail


def _is_note(element) -> bool:
    """A footnote (``p.oj-note``) or the call of one (``<a id="ntc1-…">(1)</a>``)."""
    return "oj-note" in (element.get("class") or "").split() or (element.get("id") or "").startswith("ntc")


# ---------------------------------------------------------------- lookups


def _first(root, css_class: str):
    for element in root.iter(f"{_X}div", f"{_X}p"):
        if css_class in (element.get("class") or "").split():
            return element
    return None


def _first_text(root, css_class: str) -> str:
    element = _first(root, css_class)
    return _line(element) if element is not None else ""


__all__ = ["KIND", "parse_text"]
