"""OEIL parsers against the real procedure files and document summary."""

import logging
import re
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
    assert KeyPlayer("committee responsible", "AFET Foreign Affairs", committee="AFET") in proc.key_players
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


# --- the three layouts of 2024–2026, read by what the page says ---------------------------


def test_layout_2024_ep_prefixes(real_fixtures):
    """The 2024 layout: ``ep_`` classes, ``div`` tables, headings in spans, summaries behind
    buttons, group logos with tooltips instead of "(GROUP)" after the name."""
    url = "https://oeil.europarl.europa.eu/oeil/popups/ficheprocedure.do?reference=2023/2019(INI)"
    [proc] = parse("oeil-procedure", read(real_fixtures, "procedure-file_2023-2019-INI_layout-2024-ep.html"), url)
    assert proc.reference == "2023/2019(INI)"
    assert proc.title == "Implementation of the 2018 Geoblocking Regulation in the Digital Single Market"
    assert (proc.stage, proc.status) == ("Procedure completed", "completed")
    assert [(e.date, e.title) for e in proc.events] == [
        (date(2023, 2, 16), "Committee referral announced in Parliament"),
        (date(2023, 2, 16), "Referral to associated committees announced in Parliament"),
        (date(2023, 10, 25), "Vote in committee"),
        (date(2023, 11, 7), "Committee report tabled for plenary"),
        (date(2023, 12, 13), "Decision by Parliament"),
    ]
    tabled = proc.events[3]
    assert tabled.documents == ("ep:A-9-2023-0335", "oeil-summary:1764550")  # the summary is a button
    assert proc.events[-1].documents == ("ep:TA-9-2023-0473",)
    players = set(proc.key_players)
    assert KeyPlayer("committee responsible", "IMCO Internal Market and Consumer Protection", "IMCO") in players
    assert KeyPlayer("rapporteur", "MAZUREK Beata", "IMCO", "ECR") in players
    assert KeyPlayer("shadow rapporteur", "THUN UND HOHENSTEIN Róża", "IMCO", "Renew") in players
    assert KeyPlayer("shadow rapporteur", "KOULOGLOU Stelios", "IMCO", "The Left") in players
    assert KeyPlayer("committee for opinion", "JURI Legal Affairs", "JURI") in players
    assert KeyPlayer("rapporteur for opinion", "MELCHIOR Karen", "JURI", "Renew") in players
    assert KeyPlayer("commission", "BRETON Thierry") in players
    assert len([p for p in proc.key_players if p.role == "shadow rapporteur"]) == 6
    assert proc.subjects == (
        "2 Internal market, single market",
        "3.30.25 International information networks and society, internet",
        "3.45.05 Business policy, e-commerce, after-sales service, commercial distribution",
        "3.50.15 Intellectual property, copyright",
        "4.60.06 Consumers' economic and legal interests",
    )
    assert proc.geo_areas == ()


def test_layout_2024_25_erpl_prefixes(real_fixtures):
    [proc] = parse("oeil-procedure", read(real_fixtures, "procedure-file_2022-2201-INI_layout-2024-25-erpl.html"), "")
    assert proc.reference == "2022/2201(INI)" and proc.title == "2022 Commission Report on Kosovo"
    assert proc.status == "completed" and len(proc.events) == 6
    assert proc.events[-2].documents == ("ep:TA-9-2023-0193", "oeil-summary:1744270")
    assert proc.subjects == ("8.20 Enlargement of the Union",)
    assert proc.geo_areas == ("Kosovo under UNSCR 1244/1999",)
    assert KeyPlayer("rapporteur", "VON CRAMON-TAUBADEL Viola", "AFET", "Greens/EFA") in proc.key_players
    shadows = [(p.name, p.group) for p in proc.key_players if p.role == "shadow rapporteur"]
    assert shadows == [
        ("MANDL Lukas", "EPP"),
        ("SCHIEDER Andreas", "S&D"),
        ("KYUCHYUK Ilhan", "Renew"),
        ("DZHAMBAZKI Angel", "ECR"),
        ("PINEDA Manu", "The Left"),
    ]


def test_current_layout_subjects_geographical_areas_and_players(real_fixtures):
    [proc] = parse("oeil-procedure", read(real_fixtures, "procedure-file_2024-0258-COD.html"), "")
    assert proc.subjects == (
        "6.30.02 Financial and technical cooperation and assistance",
        "6.40.02 Relations with central and eastern Europe",
        "8.20.01 Candidate countries",
        "8.20.04 Pre-accession and partnership",
    )
    assert proc.geo_areas == ("Moldova",)
    assert KeyPlayer("committee responsible", "AFET Foreign Affairs", "AFET") in proc.key_players
    assert KeyPlayer("shadow rapporteur", "SELL Alexander", "BUDG", "ESN") in proc.key_players
    assert KeyPlayer("council", "General Affairs") in proc.key_players
    assert KeyPlayer("commission", "KOS Marta") in proc.key_players
    [nle] = parse("oeil-procedure", read(real_fixtures, "procedure-file_2022-0377-NLE.html"), "")
    assert nle.geo_areas == ("Brazil",) and len(nle.subjects) == 2


def test_commission_proposal_is_a_linked_celex(real_fixtures):
    [proc] = parse("oeil-procedure", read(real_fixtures, "procedure-file_2024-0258-COD.html"), "")
    proposal = proc.events[0]
    assert proposal.title == "Legislative proposal published"
    assert "celex:52024PC0469" in proposal.documents  # COM(2024)0469
    assert "celex:52024PC0469" in proc.documents


def test_layout_with_other_class_names_still_parses(real_fixtures):
    """Derived variant: the current page with every class renamed (a fourth markup change)."""
    page = read(real_fixtures, "procedure-file_2024-0258-COD.html")
    renamed = re.sub(rb'class="[^"]*"', b'class="zz-renamed"', page)
    [proc] = parse("oeil-procedure", renamed, "")
    [original] = parse("oeil-procedure", page, "")
    assert proc.reference == original.reference and proc.title == original.title
    assert proc.events == original.events and proc.final_act == "32025R0535"
    assert proc.subjects == original.subjects and proc.geo_areas == original.geo_areas
    assert KeyPlayer("rapporteur", "MIKSER Sven", "AFET", "S&D") in proc.key_players


def test_missing_optional_parts_leave_fields_empty_and_warn(real_fixtures, caplog):
    """Derived variant: no 'Key players', no 'Basic information'; the page is still a procedure."""
    page = read(real_fixtures, "procedure-file_2022-2201-INI_layout-2024-25-erpl.html").decode()
    for heading in ("Key players", "Basic information"):
        page = page.replace(f">{heading}</h2>", ">Something else</h2>")
    with caplog.at_level(logging.WARNING, logger="spiders.parsers"):
        [proc] = parse("oeil-procedure", page.encode(), "")
    assert proc.key_players == () and proc.subjects == () and proc.geo_areas == ()
    assert len(proc.events) == 6 and proc.status == "completed"  # from "Stage reached in procedure"
    assert any("Subject" in r.getMessage() for r in caplog.records)


def test_page_without_key_events_is_one_line_parse_error(real_fixtures):
    page = read(real_fixtures, "procedure-file_2023-2019-INI_layout-2024-ep.html").replace(b"Key events", b"Other")
    with pytest.raises(ParseError, match=r"^x\.html: not a usable OEIL procedure file: .*Key events") as e:
        parse("oeil-procedure", page, "x.html")
    assert "\n" not in str(e.value)


def test_forecasts_name_who_acts(real_fixtures):
    """Derived variant: the current page with a "Forecasts" section. OEIL's forecasts are the
    Parliament's planning, but a deadline for transposition falls on the Member States, and a
    date the act sets for itself (it applies) is no one's act, whatever institutions it names."""
    page = read(real_fixtures, "procedure-file_2024-0258-COD.html").decode()
    rows = {
        "26/07/2027": "Deadline for transposition by the Member States (Directive (EU) 2024/1760 of the "
        "European Parliament and of the Council)",
        "14/12/2027": "Regulation (EU) 2024/3015 of the European Parliament and of the Council applies",
        "10/03/2027": "Indicative plenary sitting date",
        "02/02/2027": "Debate scheduled",
    }
    forecasts = (
        '<h2 class="es_title-h2 mb-2">Forecasts</h2><table><tbody>'
        + "".join(f"<tr><td>{d}</td><td>{t}</td></tr>" for d, t in rows.items())
        + "</tbody></table>"
    )
    heading = '<h2 class="es_title-h2 mb-2">Technical information</h2>'
    [proc] = parse("oeil-procedure", page.replace(heading, forecasts + heading, 1).encode(), "")
    actors = {e.title: e.actor for e in proc.events if e.forecast}
    assert actors == {
        rows["26/07/2027"]: "Member States",
        rows["14/12/2027"]: "",
        "Indicative plenary sitting date": "European Parliament",
        "Debate scheduled": "European Parliament",
    }
    # The key events keep their institutions.
    assert {e.actor for e in proc.events if e.title.startswith("Legislative proposal")} == {"European Commission"}


def test_key_player_headings_say_more_than_their_first_words(real_fixtures):
    """Derived variants of the current page's key players: OEIL adds what kind of opinion a
    committee gives ("Committee for opinion on the recast technique") — its rows are still
    opinions, not the committee responsible's — and a former committee carries the file no more."""
    page = read(real_fixtures, "procedure-file_2024-0258-COD.html").decode()
    [original] = parse("oeil-procedure", page.encode(), "")
    recast = page.replace(">Committee for opinion</th>", ">Committee for opinion on the recast technique</th>")
    [proc] = parse("oeil-procedure", recast.encode(), "")
    assert proc.key_players == original.key_players
    assert KeyPlayer("committee for opinion", "INTA International Trade", "INTA") in proc.key_players
    former = page.replace(">Joint committee responsible</th>", ">Former committee responsible</th>")
    [proc] = parse("oeil-procedure", former.encode(), "")
    roles = {p.role for p in proc.key_players}
    assert "committee responsible" not in roles and "shadow rapporteur" not in roles and "rapporteur" not in roles
    assert KeyPlayer("rapporteur for opinion", "ZDROJEWSKI Bogdan Andrzej", "INTA", "EPP") in proc.key_players


def test_summary_with_other_class_names_still_parses(real_fixtures):
    """Derived variant: the summary page with every class renamed (the procedure files' markup
    changed twice in two years; the summaries' would too)."""
    page = read(real_fixtures, "document-summary_1864147.html")
    url = "https://oeil.europarl.europa.eu/oeil/en/document-summary?id=1864147"
    [original] = parse("oeil-summary", page, url)
    [doc] = parse("oeil-summary", re.sub(rb'class="[^"]*"', b'class="zz-renamed"', page), url)
    assert (doc.title, doc.procedure, doc.date) == (original.title, original.procedure, original.date)
    assert doc.text == original.text and doc.text.startswith("The European Parliament adopted by 370 votes")
