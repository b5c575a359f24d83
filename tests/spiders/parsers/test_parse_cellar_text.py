"""The official XHTML of watched acts (Cellar) → one Document with its whole text and its structure:
recitals, articles and annexes numbered as printed and anchored on the XHTML ids."""

from __future__ import annotations

from datetime import date

import pytest

from spiders.errors import ParseError
from spiders.parsers import parse

WORK = "https://publications.europa.eu/resource/celex/{}"
# file → (CELEX, signed, published, recitals, articles, annex anchors, first article heading)
ACTS = {
    "32024L1760": ("2024-06-13", "2024-07-05", 99, 39, ["anx_1"], "Subject matter"),
    "32025L0794": ("2025-04-14", "2025-04-16", 10, 5, [], "Amendments to Directive (EU) 2022/2464"),
    "32024R1781": (
        "2024-06-13",
        "2024-06-28",
        122,
        80,
        [f"anx_\xa0{n}" for n in ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"]],
        "Subject matter and scope",
    ),
    "32024L1799": (
        "2024-06-13",
        "2024-07-10",
        47,
        24,
        ["anx_\xa0I", "anx_\xa0II"],
        "Subject matter, purpose and scope",
    ),
    "32023R1542": ("2023-07-12", "2023-07-28", 143, 96, None, "Subject matter and scope"),
    "32014L0024": ("2014-02-26", "2014-03-28", 138, 94, None, "Subject-matter and scope"),
}


def text_of(real_fixtures, celex: str) -> bytes:
    return (real_fixtures / "cellar-texts" / f"{celex}_EN_OJ_cellar.xhtml").read_bytes()


@pytest.mark.parametrize("celex", sorted(ACTS))
def test_every_watched_act_with_its_structure(real_fixtures, celex):
    signed, published, recitals, articles, annexes, heading = ACTS[celex]
    [doc] = parse("cellar-text", text_of(real_fixtures, celex), WORK.format(celex))
    assert doc.id == f"celex:{celex}" and doc.source == "cellar" and doc.language == "en"
    assert doc.date == date.fromisoformat(signed) and doc.dates == {"publication": date.fromisoformat(published)}
    assert doc.doc_type == ("regulation" if "R" in celex[5] else "directive")
    kinds = [s.kind for s in doc.sections]
    assert kinds.count("recital") == recitals and kinds.count("article") == articles
    assert kinds[0] == "preamble" and kinds[kinds.index("final") + 1 :] == ["annex"] * kinds.count("annex")
    arts = [s for s in doc.sections if s.kind == "article"]
    assert [s.number for s in arts] == [str(n) for n in range(1, articles + 1)]
    assert all(s.anchor == f"art_{s.number}" for s in arts) and arts[0].heading == heading
    recs = [s for s in doc.sections if s.kind == "recital"]
    assert [s.number for s in recs] == [str(n) for n in range(1, recitals + 1)]
    assert not recs[0].text.startswith("(1)")  # the number is the section's, not its text's
    if annexes is not None:
        assert [s.anchor for s in doc.sections if s.kind == "annex"] == annexes
    # The whole text holds every section, and no footnote.
    for section in doc.sections:
        assert section.text.splitlines()[0] in doc.text, section.anchor
    assert "OJ L 190, 12.7.2006" not in doc.text  # a footnote of the CSDDD's annex
    assert "Official Journal of the European Union" not in doc.text.splitlines()[0]  # no masthead


def test_csddd_title_eli_and_the_article_a_search_hit_will_point_at(real_fixtures):
    [doc] = parse("cellar-text", text_of(real_fixtures, "32024L1760"), WORK.format("32024L1760"))
    assert doc.title == (
        "Directive (EU) 2024/1760 of the European Parliament and of the Council of 13 June 2024 on corporate "
        "sustainability due diligence and amending Directive (EU) 2019/1937 and Regulation (EU) 2023/2859 "
        "(Text with EEA relevance)"
    )
    assert doc.eli == "http://data.europa.eu/eli/dir/2024/1760/oj"
    art3 = next(s for s in doc.sections if s.anchor == "art_3")
    assert (art3.label(), art3.heading) == ("Article 3", "Definitions")
    lines = art3.text.splitlines()
    assert lines[0] == "1. For the purpose of this Directive, the following definitions shall apply:"
    assert "(g) ‘chain of activities’ means:" in lines  # a point's label stays with its text
    assert any(line.startswith("(ii) activities of a company’s downstream business partners") for line in lines)
    preamble = doc.sections[0]
    assert preamble.anchor == "pbl_1" and "Having regard to the proposal from the European Commission," in preamble.text
    assert "Economic and Social Committee," in preamble.text  # the footnote call is gone, not its comma
    assert "(1) As stated in Article 2 of the Treaty" not in preamble.text  # recitals are their own sections
    annex = next(s for s in doc.sections if s.kind == "annex")
    assert (annex.number, annex.label(), annex.heading) == ("", "Annex", "")  # printed "ANNEX", no number
    assert annex.text.startswith("Part I\n1. RIGHTS AND PROHIBITIONS")
    final = doc.sections[-2]
    assert final.kind == "final" and final.text.startswith("Done at Brussels, 13 June 2024.")


def test_annex_headings_as_printed(real_fixtures):
    [espr] = parse("cellar-text", text_of(real_fixtures, "32024R1781"), "")
    headings = {s.number: s.heading for s in espr.sections if s.kind == "annex"}
    assert headings["I"] == "Product parameters" and headings["III"] == "Digital product Passport"
    [procurement] = parse("cellar-text", text_of(real_fixtures, "32014L0024"), "")
    assert next(s for s in procurement.sections if s.anchor == "anx_I").heading == "CENTRAL GOVERNMENT AUTHORITIES"


def test_celex_without_an_address_comes_from_the_eli_or_the_title(real_fixtures):
    # 32014L0024 prints no ELI: its number is read from "DIRECTIVE 2014/24/EU".
    assert parse("cellar-text", text_of(real_fixtures, "32014L0024"), "saved.xhtml")[0].id == "celex:32014L0024"
    assert parse("cellar-text", text_of(real_fixtures, "32024R1781"), "")[0].celex == "32024R1781"


def test_consolidated_versions_are_their_own_documents(real_fixtures):
    """The 2026 consolidation (after Directive (EU) 2026/470) has no Article 22 any more."""
    before = parse(
        "cellar-text", (real_fixtures / "cellar-texts/02024L1760-20250417_EN_consolidated.xhtml").read_bytes()
    )
    after = parse(
        "cellar-text", (real_fixtures / "cellar-texts/02024L1760-20260318_EN_consolidated.xhtml").read_bytes()
    )
    assert (before[0].id, after[0].id) == ("celex:02024L1760-20250417", "celex:02024L1760-20260318")
    assert after[0].date == date(2026, 3, 18)
    assert "art_22" in {s.anchor for s in before[0].sections} and "art_22" not in {s.anchor for s in after[0].sections}
    assert not any(s.kind == "recital" for s in after[0].sections)  # consolidations carry no preamble
    assert "►B" not in after[0].text and "▼M" not in after[0].sections[0].text


def test_the_text_of_another_act_is_refused(real_fixtures):
    with pytest.raises(ParseError, match=r"the text is of 32024L1760, not of the 32024L1799 asked for"):
        parse("cellar-text", text_of(real_fixtures, "32024L1760"), WORK.format("32024L1799"))


def test_a_quoted_article_inside_an_amendment_stays_part_of_it(real_fixtures):
    # Hand-made variant of the real 2025/794 text: an amending article quoting a whole article.
    body = text_of(real_fixtures, "32025L0794").replace(
        b'<div class="eli-subdivision" id="art_2">',
        b'<div class="eli-subdivision" id="art_2"><div id="art_29"><p class="oj-normal">quoted</p></div>',
        1,
    )
    [doc] = parse("cellar-text", body, WORK.format("32025L0794"))
    anchors = [s.anchor for s in doc.sections if s.kind == "article"]
    assert anchors == ["art_1", "art_2", "art_3", "art_4", "art_5"]
    assert "quoted" in next(s for s in doc.sections if s.anchor == "art_2").text


@pytest.mark.parametrize(
    "name, reason",
    [
        ("eurlex/legal-content_EN-TXT_CELEX-32017R2403.html", "not well-formed XML|not XHTML|no act title"),
        ("cellar-texts/CL2024L1760EN0020010.0001_formex.xml", "root element is 'CONS.ACT', not XHTML"),
        ("cellar/branch-notice_32017R2403.xml", "not XHTML"),
    ],
)
def test_other_documents_are_one_line_errors(real_fixtures, name, reason):
    with pytest.raises(ParseError, match=reason) as exc:
        parse("cellar-text", (real_fixtures / name).read_bytes(), "https://publications.europa.eu/resource/celex/x")
    assert "\n" not in str(exc.value)
