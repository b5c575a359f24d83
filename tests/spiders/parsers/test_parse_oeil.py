"""OEIL parsers against the real procedure files and document summary."""

from datetime import date

import pytest

from policytrack.model import KeyPlayer
from spiders.errors import ParseError
from spiders.parsers import parse


def read(real_fixtures, name):
    return (real_fixtures / "oeil" / name).read_bytes()


def test_procedure_file_2024_0258_cod(real_fixtures):
    url = "https://oeil.secure.europarl.europa.eu/oeil/en/procedure-file?reference=2024/0258(COD)"
    [proc] = parse("oeil-procedure", read(real_fixtures, "procedure-file_2024-0258-COD.html"), url)
    assert proc.id == "proc:2024/0258(COD)"
    assert proc.title == "Establishing the Reform and Growth Facility for Moldova"
    assert proc.stage == "Procedure completed" and proc.status == "completed"
    assert len(proc.events) == 14
    assert (proc.events[0].date, proc.events[0].title) == (date(2024, 10, 9), "Legislative proposal published")
    assert proc.events[0].actor == "European Commission"
    council = next(e for e in proc.events if e.title == "Act adopted by Council after Parliament's 1st reading")
    assert council.actor == "Council of the European Union"
    assert [e.actor for e in proc.events if e.title == "Vote in committee, 1st reading"] == ["European Parliament"]
    assert (proc.events[-1].date, proc.events[-1].title) == (
        date(2025, 3, 21),
        "Final act published in Official Journal",
    )
    tabled = next(e for e in proc.events if e.title == "Committee report tabled for plenary, 1st reading")
    assert "ep:A-10-2025-0006" in tabled.documents and "oeil-summary:1802918" in tabled.documents
    assert proc.final_act == "32025R0535"
    assert KeyPlayer("rapporteur", "MIKSER Sven", committee="AFET", group="S&D") in proc.key_players
    assert KeyPlayer("rapporteur", "MUREŞAN Siegfried", committee="BUDG", group="EPP") in proc.key_players
    assert "AFET Foreign Affairs" in [p.name for p in proc.key_players]
    assert not any(e.forecast for e in proc.events)


def test_procedure_file_2022_0377_nle(real_fixtures):
    [proc] = parse("oeil-procedure", read(real_fixtures, "procedure-file_2022-0377-NLE.html"), "")
    assert proc.id == "proc:2022/0377(NLE)"
    assert proc.title.startswith("EU/Brazil Agreement: modification of concessions on all the tariff rate quotas")
    assert len(proc.events) == 9
    assert proc.events[0].date == date(2022, 11, 18) and proc.events[0].title == "Preparatory document"
    assert proc.final_act == "32023D1056"
    assert proc.status == "completed"
    assert proc.url.endswith("reference=2022/0377(NLE)")


def test_document_summary_1864147(real_fixtures):
    url = "https://oeil.secure.europarl.europa.eu/oeil/en/document-summary?id=1864147"
    [doc] = parse("oeil-summary", read(real_fixtures, "document-summary_1864147.html"), url)
    assert doc.id == "oeil-summary:1864147"
    assert doc.title == "Business in Europe: Framework for Income Taxation (BEFIT)"
    assert doc.procedure == "2023/0321(CNS)"
    assert doc.date == date(2025, 11, 13)  # the visible date, not the bogus datetime attribute
    assert doc.doc_type == "summary"
    assert doc.text.startswith("The European Parliament adopted by 370 votes to 160")
    # Without a URL the id comes from the page's own share links.
    [again] = parse("oeil-summary", read(real_fixtures, "document-summary_1864147.html"), "")
    assert again.id == "oeil-summary:1864147"


def test_summary_page_is_not_a_procedure_file(real_fixtures):
    with pytest.raises(ParseError, match="not a usable OEIL procedure file"):
        parse("oeil-procedure", read(real_fixtures, "document-summary_1864147.html"), "s.html")


def test_committee_badge_and_name_are_separated_without_whitespace_between_tags():
    # The shipped hand-made ESPR file has no white space between the committee badge and its
    # name; the real pages do. Either way the two must not be glued together ("ENVIEnvironment").
    from pathlib import Path

    page = (
        Path(__file__).resolve().parents[3]
        / "spiders"
        / "replay"
        / "recording"
        / "handmade"
        / "oeil_procedure-file_2022-0095-COD.html"
    ).read_bytes()
    assert b'mr-1">ENVI</span><div>' in page
    url = "https://oeil.secure.europarl.europa.eu/oeil/en/procedure-file?reference=2022/0095(COD)"
    [proc] = [i for i in parse("oeil-procedure", page, url) if i.kind == "procedure"]
    assert any(p.name.startswith("ENVI Environment, Public Health and Food Safety") for p in proc.key_players), (
        proc.key_players
    )
