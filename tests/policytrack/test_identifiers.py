"""Identifiers: real examples from tests/fixtures/real, round trips and malformed input."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policytrack.errors import IdentifierError
from policytrack.identifiers import (
    PROCEDURE_TYPES,
    Celex,
    eli_for_celex,
    find_celex,
    find_procedures,
    normalise_celex,
    normalise_procedure,
    parse_celex,
    parse_eli,
    parse_oj_reference,
    parse_procedure,
)


def _read(real_fixtures, rel: str) -> str:
    return (real_fixtures / rel).read_text("utf-8", errors="replace")


# ----------------------------------------------------------------------------- CELEX


@pytest.mark.parametrize(
    "text, expected, doc_type",
    [
        ("32024L1760", "32024L1760", "directive"),
        ("CELEX:32017R0821", "32017R0821", "regulation"),
        ("celex:52022pc0071", "52022PC0071", "proposal"),
        (" 3 2024 R 1781 ", "32024R1781", "regulation"),
        ("CELEX%3A32017R2403", "32017R2403", "regulation"),
        ("CELEX%25253A32017R2403", "32017R2403", "regulation"),  # triple-escaped, as in EUR-Lex links
        ("32022L2380", "32022L2380", "directive"),
        ("32016Q0512(01)", "32016Q0512(01)", "act"),
        ("52017AG0006(01)", "52017AG0006(01)", "Council position"),
        ("32024L1760R(01)", "32024L1760R(01)", "directive"),
        ("02024L1760-20250417", "02024L1760-20250417", "directive"),
        ("32014L24", "32014L0024", "directive"),
        ("62019CJ0311", "62019CJ0311", "judgment"),
    ],
)
def test_celex_examples(text, expected, doc_type):
    c = parse_celex(text)
    assert str(c) == expected
    assert c.document_type == doc_type


def test_consolidated_and_corrigendum_parts():
    c = parse_celex("02024L1760-20250417")
    assert c.is_consolidated and c.version == date(2025, 4, 17)
    assert str(c.base) == "32024L1760"
    corr = parse_celex("32024L1760R(01)")
    assert corr.corrigendum == 1 and str(corr.base) == "32024L1760"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "1234",
        "32024X",
        "3202L1760",
        "42024L1760-20250417",
        "02024L1760-20251341",
        "X2024L1760",
        "32024L1760 extra",
        "31800L0001",
        "3202AL1760",
        "CELEX:",
        "32024L17601",
    ],
)
def test_celex_malformed(bad):
    with pytest.raises(IdentifierError, match=r"CELEX|not a"):
        parse_celex(bad)


def test_celex_non_text():
    with pytest.raises(IdentifierError, match="must be text"):
        parse_celex(32024)  # type: ignore[arg-type]


def test_celex_found_in_real_pages(real_fixtures):
    page = _read(real_fixtures, "eurlex/legal-content_EN-ALL_CELEX-32017R2403.html")
    found = find_celex(page)
    assert found[0] == "32017R2403"
    assert {"52015PC0636", "32013R1380"} <= set(found)


def test_celex_of_real_excerpts(real_fixtures):
    # Each excerpt names its document as "Document <CELEX>" near the top.
    seen = {}
    for path in sorted((real_fixtures / "excerpts").glob("eurlex_*.txt")):
        m = re.search(r"Document (\S+)", path.read_text("utf-8"))
        if m:
            seen[path.name] = normalise_celex(m.group(1))
    assert seen["eurlex_consolidated_ELI-dir-2024-1760-2025-04-17_CSDDD.txt"] == "02024L1760-20250417"
    assert seen["eurlex_document-page_CELEX-32024L1799_right-to-repair.txt"] == "32024L1799"
    assert seen["eurlex_document-page_CELEX-52022PC0071_CSDDD-proposal.txt"] == "52022PC0071"


celex_strategy = st.builds(
    Celex,
    sector=st.sampled_from(list("35")),
    year=st.integers(1950, 2100),
    descriptor=st.sampled_from(["L", "R", "D", "PC", "DC", "SC"]),
    number=st.integers(1, 9999).map(lambda n: f"{n:04d}"),
    suffix=st.one_of(st.just(""), st.integers(1, 99).map(lambda n: f"({n:02d})")),
    corrigendum=st.one_of(st.none(), st.integers(1, 99)),
)


@given(celex_strategy)
def test_celex_round_trip(c):
    assert parse_celex(str(c)) == c
    assert parse_celex(str(c).lower()) == c
    assert parse_celex("CELEX:" + str(c)) == c


@given(st.dates(date(1950, 1, 1), date(2100, 12, 31)), st.integers(1, 9999), st.sampled_from("LRD"))
def test_consolidated_round_trip(when, number, descriptor):
    text = f"0{when.year}{descriptor}{number:04d}-{when:%Y%m%d}"
    c = parse_celex(text)
    assert str(c) == text and c.version == when


@given(st.text(max_size=40))
@settings(max_examples=300)
def test_celex_never_crashes(text):
    try:
        c = parse_celex(text)
    except IdentifierError:
        return
    assert parse_celex(str(c)) == c


# ----------------------------------------------------------------------------- ELI


def test_eli_from_real_pages(real_fixtures):
    excerpt = _read(real_fixtures, "excerpts/eurlex_document-page_CELEX-32024L1799_right-to-repair.txt")
    uri = re.search(r"http://data\.europa\.eu/eli/\S+", excerpt).group(0)
    eli = parse_eli(uri)
    assert (eli.type, eli.year, eli.number, eli.version) == ("dir", 2024, 1799, "oj")
    assert str(eli.to_celex()) == "32024L1799"
    assert str(eli) == "http://data.europa.eu/eli/dir/2024/1799/oj"


@pytest.mark.parametrize(
    "uri, celex",
    [
        ("http://data.europa.eu/eli/reg/2024/1781/oj", "32024R1781"),
        ("https://data.europa.eu/eli/dir/2024/1760/oj/eng", "32024L1760"),
        ("eli/dir/2024/1760/2025-04-17", "02024L1760-20250417"),
        ("http://data.europa.eu/eli/reg_impl/2023/2131/oj", "32023R2131"),
        ("http://data.europa.eu/eli/dec/1996/428/oj", "31996D0428"),
    ],
)
def test_eli_to_celex(uri, celex):
    assert str(parse_eli(uri).to_celex()) == celex


def test_eli_without_celex_form():
    with pytest.raises(IdentifierError, match="no CELEX"):
        parse_eli("http://data.europa.eu/eli/convention/1998/392/oj").to_celex()


@pytest.mark.parametrize(
    "bad", ["", "http://example.org/eli/dir/2024/1760", "eli/dir/24/1760/oj", "eli/dir/2024/1760/2025-13-45"]
)
def test_eli_malformed(bad):
    with pytest.raises(IdentifierError):
        parse_eli(bad)


@given(st.sampled_from(["reg", "dir", "dec"]), st.integers(1950, 2100), st.integers(1, 9999))
def test_eli_celex_round_trip(kind, year, number):
    eli = parse_eli(f"http://data.europa.eu/eli/{kind}/{year}/{number}/oj")
    assert eli_for_celex(eli.to_celex()) == eli


# ----------------------------------------------------------------------------- OJ references


def test_oj_references_from_real_pages(real_fixtures):
    excerpt = _read(real_fixtures, "excerpts/eurlex_document-page_CELEX-32024L1799_right-to-repair.txt")
    ref = parse_oj_reference(excerpt)
    assert (ref.series, ref.issue, ref.date) == ("L", "2024/1799", date(2024, 7, 10))
    assert str(ref) == "OJ L, 2024/1799, 10.7.2024"
    old = parse_oj_reference("OJ L 347, 28.12.2017, p. 81")
    assert (old.series, old.issue, old.date, old.page) == ("L", "347", date(2017, 12, 28), 81)
    assert str(old) == "OJ L 347, 28.12.2017, p. 81"


@pytest.mark.parametrize("bad", ["", "OJ X 12, 1.1.2020", "OJ L 12, 31.2.2020", "Official Journal"])
def test_oj_malformed(bad):
    with pytest.raises(IdentifierError):
        parse_oj_reference(bad)


# ----------------------------------------------------------------------------- procedures


@pytest.mark.parametrize(
    "text, type_, expected",
    [
        ("2022/0051(COD)", None, "2022/0051(COD)"),
        ("2022/0051 (COD)", None, "2022/0051(COD)"),
        ("2022/51(cod)", None, "2022/0051(COD)"),
        ("2022/0051/COD", None, "2022/0051(COD)"),
        ("2022_51", "COD", "2022/0051(COD)"),
        ("2022-0051", "COD", "2022/0051(COD)"),
        ("2022-0051-COD", None, "2022/0051(COD)"),
        ("eli/dl/proc/2022-0051", "COD", "2022/0051(COD)"),
        ("https://data.europarl.europa.eu/eli/dl/proc/2025-0260", "COD", "2025/0260(COD)"),
        (
            "https://oeil.secure.europarl.europa.eu/oeil/popups/ficheprocedure.do?reference=2022/0051(COD)&l=en",
            None,
            "2022/0051(COD)",
        ),
        ("https://eur-lex.europa.eu/procedure/EN/2021_106", "COD", "2021/0106(COD)"),
        ("COD/2022/0051", None, "2022/0051(COD)"),
        ("COD(2022)0051", None, "2022/0051(COD)"),
        ("2023/0406/NLE", None, "2023/0406(NLE)"),
    ],
)
def test_procedure_forms(text, type_, expected):
    assert normalise_procedure(text, type_) == expected


def test_procedure_forms_in_real_fixtures(real_fixtures):
    notice = _read(real_fixtures, "cellar/branch-notice_32017R2403.xml")
    assert "2015/0289/COD" in notice
    assert normalise_procedure("2015/0289/COD") == "2015/0289(COD)"
    tree = _read(real_fixtures, "cellar/tree-notice_procedure-2013-0449-COD.xml")
    assert "2013/0449/COD" in tree and normalise_procedure("2013/0449/COD") == "2013/0449(COD)"
    page = _read(real_fixtures, "eurlex/procedure_2021-0106-COD.html")
    url = re.search(r"procedure/EN/2021_106", page).group(0)
    assert parse_procedure(url).eurlex_id == "2021_106"
    assert normalise_procedure(url, "COD") == "2021/0106(COD)"
    odp = _read(real_fixtures, "ep-odp/procedure_2025-0260.json")
    eli = re.search(r"eli/dl/proc/2025-0260", odp).group(0)
    assert parse_procedure(eli).ep_id == "2025-0260"
    oeil = _read(real_fixtures, "oeil/procedure-file_2024-0258-COD.html")
    assert "2024/0258(COD)" in find_procedures(oeil)
    nle = _read(real_fixtures, "oeil/procedure-file_2022-0377-NLE.html")
    assert find_procedures(nle)[0] == "2022/0377(NLE)"
    excerpt = _read(real_fixtures, "excerpts/oeil_document-summary_1748647_ESPR-2022-0095-COD.txt")
    assert "2022/0095(COD)" in find_procedures(excerpt)


def test_procedure_without_type_has_no_canonical_form():
    ref = parse_procedure("2022_51")
    assert str(ref) == "2022/0051" and ref.type is None
    with pytest.raises(IdentifierError, match="has no type"):
        _ = ref.canonical
    assert ref.with_type("cod").canonical == "2022/0051(COD)"


@pytest.mark.parametrize(
    "bad, type_, message",
    [
        ("", None, "not a procedure"),
        ("2022/0051(XYZ)", None, "unknown procedure type"),
        ("2022/0051(COD)", "NLE", "is COD, not NLE"),
        ("22/0051(COD)", None, "not a procedure"),
        ("2022/0000(COD)", None, "must not be 0"),
        ("1900/0001(COD)", None, "out of range"),
        ("2022/00051(COD)", None, "not a procedure"),
        ("2022/0051(COD); DROP TABLE", None, "not a procedure"),
    ],
)
def test_procedure_malformed(bad, type_, message):
    with pytest.raises(IdentifierError, match=re.escape(message)):
        normalise_procedure(bad, type_)


spellings = [
    lambda y, n, t: f"{y}/{n:04d}({t})",
    lambda y, n, t: f"{y}/{n}({t.lower()})",
    lambda y, n, t: f"{y}/{n:04d}/{t}",
    lambda y, n, t: f"{y}-{n:04d}-{t}",
    lambda y, n, t: f"{t}/{y}/{n:04d}",
    lambda y, n, t: f"https://data.europarl.europa.eu/eli/dl/proc/{y}-{n:04d}-{t}",
]


@given(
    st.integers(1950, 2100), st.integers(1, 9999), st.sampled_from(sorted(PROCEDURE_TYPES)), st.sampled_from(spellings)
)
def test_procedure_round_trip(year, number, type_, spell):
    canonical = f"{year}/{number:04d}({type_})"
    assert normalise_procedure(spell(year, number, type_)) == canonical
    ref = parse_procedure(canonical)
    assert normalise_procedure(ref.eurlex_id, type_) == canonical
    assert normalise_procedure(ref.ep_id, type_) == canonical


@given(st.text(max_size=60))
@settings(max_examples=300)
def test_procedure_never_crashes(text):
    try:
        ref = parse_procedure(text)
    except IdentifierError:
        return
    assert parse_procedure(str(ref)) == ref


def test_celex_and_base():
    from policytrack.identifiers import celex_and_base

    assert celex_and_base("32024L1760") == ("32024L1760",)
    assert celex_and_base("02024L1760-20250417") == ("02024L1760-20250417", "32024L1760")
    assert celex_and_base("32024L1760R(01)") == ("32024L1760R(01)", "32024L1760")
    assert celex_and_base("garbage") == ("garbage",)


@pytest.mark.parametrize("bad", [123, None, b"2022/0051(COD)", ["2022/0051(COD)"]])
def test_a_procedure_that_is_not_text_is_an_identifier_error_not_a_type_error(bad):
    with pytest.raises(IdentifierError, match="must be text"):
        parse_procedure(bad)


def test_a_procedure_type_that_is_not_text_is_an_identifier_error():
    with pytest.raises(IdentifierError, match="type must be text"):
        parse_procedure("2022/0051", 7)  # type: ignore[arg-type]


def test_acts_are_cited_by_their_label_and_other_documents_keep_their_number():
    from policytrack.identifiers import act_label

    assert act_label("32024L1760") == "Directive (EU) 2024/1760"
    assert act_label("CELEX:32023r1542") == "Regulation (EU) 2023/1542"
    assert act_label("52022PC0071") == "52022PC0071"  # a proposal is not an act
    assert act_label("32016Q0512(01)") == "32016Q0512(01)"
    assert act_label("not a celex") == "not a celex"


def test_eurovoc_ids_and_uris():
    from policytrack.identifiers import eurovoc_uri, is_eurovoc, normalise_eurovoc

    assert normalise_eurovoc("http://eurovoc.europa.eu/7942") == "7942"
    assert normalise_eurovoc(" c_b18ab65c ") == "c_b18ab65c"
    assert eurovoc_uri("08133") == "http://eurovoc.europa.eu/08133"
    assert not is_eurovoc("supply chain") and not is_eurovoc("http://eurovoc.europa.eu/")
    with pytest.raises(IdentifierError, match="not a EuroVoc concept"):
        normalise_eurovoc("c_xyz")
