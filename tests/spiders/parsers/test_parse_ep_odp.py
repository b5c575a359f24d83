"""EP Open Data API v2: stage and status from signature and Official Journal publication, readable
titles, plain-text summaries, authors, key players, and records of an unusual shape."""

from __future__ import annotations

import json
import logging
from datetime import date

from policytrack.model import KeyPlayer
from spiders.parsers import parse


def record(real_fixtures, name: str) -> dict:
    return json.loads((real_fixtures / "ep-odp" / name).read_bytes())


def test_decision_without_activity_type_gets_a_readable_title(real_fixtures):
    [proc] = parse("ep-odp-procedure", (real_fixtures / "ep-odp" / "procedure_2024-2006.json").read_bytes(), "")
    # eli/dl/event/2024-2006-DEC-DCPL-2024-04-24 has no had_activity_type: not its raw id.
    decision = next(e for e in proc.events if e.date == date(2024, 4, 24) and "ep:TA-9-2024-0315" in e.documents)
    assert decision.title == "Decision by Parliament"
    assert not any("2024-2006-DEC" in e.title for e in proc.events)


def test_signature_and_publication_complete_the_procedure(real_fixtures):
    """Derived variant: the activities a procedure gains once its act is signed and published
    (``SIGNATURE``, ``PUBLICATION_OFFICIAL_JOURNAL``, as in the API's activity types), the
    publication naming the act by its Official Journal ELI."""
    data = record(real_fixtures, "procedure_2025-0260.json")
    data["data"][0]["consists_of"] += [
        {
            "id": "eli/dl/event/2025-0260-SIGN-2026-06-24",
            "type": "Activity",
            "activity_date": "2026-06-24",
            "activity_id": "2025-0260-SIGN-2026-06-24",
            "had_activity_type": "def/ep-activities/SIGNATURE",
        },
        {
            "id": "eli/dl/event/2025-0260-PUB-2026-06-30",
            "type": "Activity",
            "activity_date": "2026-06-30",
            "activity_id": "2025-0260-PUB-2026-06-30",
            "had_activity_type": "def/ep-activities/PUBLICATION_OFFICIAL_JOURNAL",
            "documented_by_a_realization_of": ["http://data.europa.eu/eli/reg/2026/1234/oj"],
        },
    ]
    [proc] = parse("ep-odp-procedure", json.dumps(data).encode(), "")
    assert proc.status == "completed"
    assert proc.final_act == "32026R1234"
    assert proc.stage == "Publication in the Official Journal"
    published = proc.events[-1] if not proc.events[-1].forecast else None
    assert published is not None and published.actor == "Publications Office of the European Union"
    assert published.documents == ("celex:32026R1234",)
    # Signed but not yet published: completed all the same (the act exists), no final act named.
    data["data"][0]["consists_of"].pop()
    [signed] = parse("ep-odp-procedure", json.dumps(data).encode(), "")
    assert (signed.status, signed.stage, signed.final_act) == ("completed", "Signature of the act", None)


def test_ongoing_procedure_keeps_its_reading_as_stage(real_fixtures):
    [proc] = parse("ep-odp-procedure", (real_fixtures / "ep-odp" / "procedure_2025-0260.json").read_bytes(), "")
    assert (proc.status, proc.stage, proc.final_act) == ("ongoing", "First reading", None)


def test_key_players_with_groups(real_fixtures):
    [proc] = parse("ep-odp-procedure", (real_fixtures / "ep-odp" / "procedure_2024-2006.json").read_bytes(), "")
    assert proc.key_players == (
        KeyPlayer("committee responsible", "AFCO", "AFCO"),
        KeyPlayer("rapporteur", "person/197435", "AFCO", "S&D"),
    )


def test_summary_has_no_html_tags(real_fixtures):
    """Derived variant: the English alternative title marked up, as some records have it."""
    data = record(real_fixtures, "document_A-9-2024-0163.json")
    [english] = [e for e in data["data"][0]["is_realized_by"] if e["id"].endswith("/en")]
    english["title_alternative"]["en"] = (
        "<p>REPORT - on amendments to Parliament&rsquo;s Rules <b>of Procedure</b></p><p>(2024/2006(REG))</p>"
    )
    [doc] = parse("ep-odp-document", json.dumps(data).encode(), "")
    assert doc.summary == "REPORT - on amendments to Parliament’s Rules of Procedure (2024/2006(REG))"
    assert doc.procedure == "2024/2006(REG)"


def test_corporate_body_authors_map_to_group_names(real_fixtures):
    data = record(real_fixtures, "document_A-9-2024-0163.json")
    data["data"][0]["creator"] = [
        "http://publications.europa.eu/resource/authority/corporate-body/EP_GROUP_PPE",
        "http://publications.europa.eu/resource/authority/corporate-body/EP_GROUP_VERTS_ALE",
        "org/S-D",
        "org/AFCO",
        "person/197435",
    ]
    [doc] = parse("ep-odp-document", json.dumps(data).encode(), "")
    assert doc.authors == ("EPP", "Greens/EFA", "S&D", "AFCO")


def test_fields_of_an_unusual_shape_are_left_out_with_a_warning(real_fixtures, caplog):
    data = record(real_fixtures, "procedure_2024-2006.json")
    activities = data["data"][0]["consists_of"]
    activities[0]["had_activity_type"] = {"unexpected": "object"}
    activities[1]["based_on_a_realization_of"] = "eli/dl/doc/not-a-list"
    activities.append("not an activity")
    with caplog.at_level(logging.WARNING, logger="spiders.parsers"):
        [proc] = parse("ep-odp-procedure", json.dumps(data).encode(), "")
    assert len(proc.events) == 8
    assert any("unexpected shape" in r.getMessage() for r in caplog.records)
