"""EP Open Data API v2: stage and status from signature and Official Journal publication, readable
titles, plain-text summaries, authors, key players, and records of an unusual shape."""

from __future__ import annotations

import json
import logging
from datetime import date

import pytest

from policytrack.model import KeyPlayer
from spiders.errors import ParseError
from spiders.parsers import parse
from spiders.parsers.ep_odp import parse_person, unnamed_people, with_names


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
    # Committees, then people as the EP ranks them; shadow rapporteurs work on the committee
    # responsible's report. People are shown by their register number until the spider names them.
    assert proc.key_players == (
        KeyPlayer("committee responsible", "AFCO", "AFCO"),
        KeyPlayer("rapporteur", "MEP 197435", "AFCO", "S&D"),
        KeyPlayer("shadow rapporteur", "MEP 2323", "AFCO", "EPP"),
        KeyPlayer("shadow rapporteur", "MEP 197577", "AFCO", "Renew"),
        KeyPlayer("shadow rapporteur", "MEP 197531", "AFCO", "Greens/EFA"),
        KeyPlayer("shadow rapporteur", "MEP 96646", "AFCO", "The Left"),
    )
    assert unnamed_people([proc]) == ["197435", "2323", "197577", "197531", "96646"]


def test_every_role_the_vocabulary_has_for_who_carries_a_procedure(real_fixtures):
    """Every narrower role of a committee responsible, a committee for opinion and a rapporteur
    in the EP's vocabulary (def/ep-roles) is read, as its kind of key player."""
    vocabulary = json.loads((real_fixtures / "ep-odp" / "controlled-vocabularies.json").read_bytes())
    concepts = vocabulary["vocabularyDetails"]["def/ep-roles"]["data"][0]["inverse_inScheme"]

    def broader(concept) -> set[str]:
        found = concept.get("broader") or []
        out = set()
        for b in found if isinstance(found, list) else [found]:
            if isinstance(b, dict):
                out |= {b["identifier"], *broader(b)}
            elif isinstance(b, str):
                out.add(b.rsplit("/", 1)[-1])
        return out

    expected = {}
    for concept in concepts:
        lineage = {concept["identifier"], *broader(concept)}
        if "RAPPORTEUR_SHADOW" in lineage:
            expected[concept["identifier"]] = "shadow rapporteur"
        elif "RAPPORTEUR" in lineage:
            opinion = "OPINION" in concept["identifier"]
            expected[concept["identifier"]] = "rapporteur for opinion" if opinion else "rapporteur"
        elif "COMMITTEE_LEAD" in lineage:
            expected[concept["identifier"]] = "committee responsible"
        elif "COMMITTEE_OPINION" in lineage:
            expected[concept["identifier"]] = "committee for opinion"
    assert len(expected) == 17
    data = record(real_fixtures, "procedure_2024-2006.json")
    data["data"][0]["had_participation"] = [
        {"participation_role": f"def/ep-roles/{code}", "had_participant_person": [f"person/{i}"]}
        for i, code in enumerate(sorted(expected), 1)
    ] + [  # not key players: a chair, a member, an author, another institution's member
        {"participation_role": f"def/ep-roles/{code}", "had_participant_person": ["person/999"]}
        for code in ("CHAIR_COMMITTEE", "MEMBER_PARLIAMENT", "AUTHOR_REPORT", "MEMBER_COMMISSION")
    ]
    [proc] = parse("ep-odp-procedure", json.dumps(data).encode(), "")
    got = {kp.name: kp.role for kp in proc.key_players}
    assert got == {f"MEP {i}": expected[code] for i, code in enumerate(sorted(expected), 1)}


def test_people_are_named_where_the_names_are_known(real_fixtures):
    """Derived variant: the rapporteur of 2024-2006 is the person of the real MEP record."""
    data = record(real_fixtures, "procedure_2024-2006.json")
    for part in data["data"][0]["had_participation"]:
        if part.get("had_participant_person") == ["person/197435"]:
            part["had_participant_person"] = ["http://data.europarl.europa.eu/person/103246"]  # as a full URI
    [proc] = parse("ep-odp-procedure", json.dumps(data).encode(), "")
    mep = record(real_fixtures, "feed-entries-jsonld/meps__person-103246.json")
    number, name = parse_person(json.dumps({"data": [mep]}).encode(), "")
    assert (number, name) == ("103246", "Auke ZIJLSTRA")
    named = with_names(proc, {number: name})
    assert KeyPlayer("rapporteur", "Auke ZIJLSTRA", "AFCO", "S&D") in named.key_players
    assert "103246" not in unnamed_people([named]) and "2323" in unnamed_people([named])
    assert with_names(proc, {}) is proc


def test_a_person_record_without_a_label_is_named_from_its_parts(real_fixtures):
    """Derived variants of the real MEP record: the detailed record may lack ``label``."""
    mep = record(real_fixtures, "feed-entries-jsonld/meps__person-103246.json")
    del mep["label"]
    assert parse_person(json.dumps({"data": [mep]}), "") == ("103246", "Auke Zijlstra")
    mep["upperFamilyName"] = "ZIJLSTRA"
    assert parse_person(json.dumps({"data": [mep]}), "") == ("103246", "Auke ZIJLSTRA")
    for bad in (b"", b"[]", b'{"data": [{"type": "Person", "identifier": "1"}]}', b'{"data": [{"type": "Work"}]}'):
        with pytest.raises(ParseError, match="not a usable EP Open Data MEP record"):
            parse_person(bad, "https://data.europarl.europa.eu/api/v2/meps/1")


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


def test_a_lone_surrogate_escape_in_a_title_is_read_and_cleaned(real_fixtures):
    """Derived variant: JSON may escape half a character ("\\ud83d" without its pair). The
    standard library reads it, msgspec refuses it: the record is read all the same and the
    title keeps its words, the half character made U+FFFD by the model's text rule."""
    data = record(real_fixtures, "procedure_2024-2006.json")
    [original] = parse("ep-odp-procedure", json.dumps(data).encode(), "")
    titles = data["data"][0]["process_title"]
    titles["en"] = "\ud83d " + titles["en"]
    body = json.dumps(data)  # ASCII: the half character is written as its escape
    assert "\\ud83d" in body
    [proc] = parse("ep-odp-procedure", body.encode(), "")
    assert proc.title == "\ufffd " + original.title
    assert proc.events == original.events


def test_a_body_that_is_not_json_fails_in_one_line():
    with pytest.raises(ParseError, match="not JSON"):
        parse("ep-odp-procedure", b'{"data": [', "https://data.europarl.europa.eu/api/v2/procedures/x")


def test_a_set_of_one_written_as_the_value_itself_is_read(real_fixtures, caplog):
    """Derived variant: JSON-LD compacts a set of one value to the value itself (no list), as
    another API version or context could: the people, organisations, activities and documents
    are read all the same."""
    data = record(real_fixtures, "procedure_2025-0260.json")
    [original] = parse("ep-odp-procedure", json.dumps(data).encode(), "")
    process = data["data"][0]
    for part in process["had_participation"]:
        for key in ("had_participant_person", "had_participant_organization"):
            if key in part:
                part[key] = part[key][0]
    for activity in process["consists_of"]:
        for key, value in list(activity.items()):
            if key.endswith("_realization_of") and len(value) == 1:
                activity[key] = value[0]
    process["was_scheduled_in"] = process["was_scheduled_in"][0]
    with caplog.at_level(logging.WARNING, logger="spiders.parsers"):
        [proc] = parse("ep-odp-procedure", json.dumps(data).encode(), "")
    assert proc.key_players == original.key_players and len(proc.key_players) == 19
    assert [e for e in proc.events if not e.forecast] == [e for e in original.events if not e.forecast]
    assert len([e for e in proc.events if e.forecast]) == 1
    assert any("unexpected shape" in r.getMessage() for r in caplog.records)  # said, not silent


def test_a_document_with_one_expression_written_as_an_object(real_fixtures):
    """Derived variant: the English expression as the value itself, not a list of expressions."""
    data = record(real_fixtures, "document_A-9-2024-0163.json")
    [original] = parse("ep-odp-document", json.dumps(data).encode(), "")
    work = data["data"][0]
    work["is_realized_by"] = next(e for e in work["is_realized_by"] if e["id"].endswith("/en"))
    del work["title_dcterms"]
    [doc] = parse("ep-odp-document", json.dumps(data).encode(), "")
    assert (doc.title, doc.summary, doc.procedure) == (original.title, original.summary, original.procedure)
    assert doc.summary


def test_document_types_of_the_vocabulary_read_as_their_kind(real_fixtures):
    """Every EP document type (def/ep-document-types) whose English name says amendment, staff
    working document, report, opinion or resolution is read as that kind."""
    vocabulary = json.loads((real_fixtures / "ep-odp" / "controlled-vocabularies.json").read_bytes())
    concepts = vocabulary["vocabularyDetails"]["def/ep-document-types"]["data"][0]["inverse_inScheme"]
    data = record(real_fixtures, "document_A-9-2024-0163.json")
    checked = 0
    for concept in concepts:
        name = concept["prefLabel"]["en"].lower()
        kind = next(
            (k for w, k in (("amendment", "amendments"), ("staff working", "staff working document")) if w in name),
            None,
        ) or next((k for k in ("opinion", "resolution") if k in name and "question" not in name), None)
        if kind is None:
            continue
        data["data"][0]["work_type"] = f"def/ep-document-types/{concept['identifier']}"
        [doc] = parse("ep-odp-document", json.dumps(data).encode(), "")
        assert doc.doc_type == kind, (concept["identifier"], name)
        checked += 1
    assert checked == 23
