"""EP Open Data API v2 and EP web pages against the real recordings."""

from datetime import date

import pytest

from policytrack.model import KeyPlayer
from spiders.errors import ParseError
from spiders.parsers import parse


def test_odp_procedure_2025_0260(real_fixtures):
    [proc] = parse("ep-odp-procedure", (real_fixtures / "ep-odp" / "procedure_2025-0260.json").read_bytes(), "")
    assert proc.id == "proc:2025/0260(COD)"
    assert proc.title == "Non-application of customs duties on imports of certain goods"
    assert proc.stage == "First reading"
    past = [e for e in proc.events if not e.forecast]
    forecast = [e for e in proc.events if e.forecast]
    assert len(past) == 23 and len(forecast) == 4
    assert (proc.events[0].date, proc.events[0].title) == (date(2025, 10, 20), "Referral")
    assert "ep:A-10-2026-0070" in proc.documents
    assert KeyPlayer("committee responsible", "INTA", committee="INTA") in proc.key_players
    assert KeyPlayer("rapporteur", "MEP 1909", committee="INTA", group="S&D") in proc.key_players
    assert KeyPlayer("rapporteur for opinion", "MEP 256997", committee="BUDG", group="S&D") in proc.key_players
    assert KeyPlayer("committee for opinion", "PECH", committee="PECH") in proc.key_players
    # The budgetary assessment is an opinion; seven shadow rapporteurs for the report, seven for
    # the opinions (the record does not say which committee's).
    assert KeyPlayer("committee for opinion", "BUDG", committee="BUDG") in proc.key_players
    shadows = [kp for kp in proc.key_players if kp.role == "shadow rapporteur"]
    assert sum(kp.committee == "INTA" for kp in shadows) == 7 and sum(kp.committee == "" for kp in shadows) == 7
    assert KeyPlayer("shadow rapporteur", "MEP 256884", committee="INTA", group="ECR") in shadows


def test_odp_procedure_2024_2006(real_fixtures):
    [proc] = parse("ep-odp-procedure", (real_fixtures / "ep-odp" / "procedure_2024-2006.json").read_bytes(), "")
    assert proc.reference == "2024/2006(REG)"
    assert proc.title.startswith("Amendments to Parliament’s Rules of Procedure concerning the training")
    assert len(proc.events) == 8
    assert proc.documents == ("ep:AFCO-PR-759748", "ep:A-9-2024-0163", "ep:TA-9-2024-0315")


def test_odp_document_a_9_2024_0163(real_fixtures):
    [doc] = parse("ep-odp-document", (real_fixtures / "ep-odp" / "document_A-9-2024-0163.json").read_bytes(), "")
    assert doc.id == "ep:A-9-2024-0163"
    assert doc.title.startswith("REPORT on amendments to Parliament’s Rules of Procedure")
    assert doc.doc_type == "report"
    assert doc.procedure == "2024/2006(REG)"
    assert doc.date == date(2024, 4, 4)
    assert doc.authors == ("AFCO",)


def test_odp_meeting_plenary_2024_07_16(real_fixtures):
    [doc] = parse("ep-odp-meeting", (real_fixtures / "ep-odp" / "meeting_MTG-PL-2024-07-16.xml").read_bytes(), "")
    assert doc.id == "ep:MTG-PL-2024-07-16"
    assert doc.date == date(2024, 7, 16)
    lines = doc.text.splitlines()
    assert len(lines) == 21
    assert lines[0] == "1. Opening of the sitting (first sitting of the newly elected Parliament)"
    assert lines[-1] == "22. Closure of the sitting"


def test_odp_procedure_json_is_not_a_document(real_fixtures):
    with pytest.raises(ParseError, match="no 'Work' record"):
        parse("ep-odp-document", (real_fixtures / "ep-odp" / "procedure_2024-2006.json").read_bytes(), "p.json")


def test_press_release_20241212IPR25960(real_fixtures):
    [doc] = parse("ep-press-release", (real_fixtures / "ep" / "press-release_20241212IPR25960.html").read_bytes(), "")
    assert doc.id == "press:20241212IPR25960"
    assert doc.title == "Parliament paves way for the use of EU funds to finance natural disaster recovery"
    assert doc.date == date(2024, 12, 17)
    assert doc.procedure == "2024/0275(COD)"
    assert doc.doc_type == "press release"
    assert doc.authors == ("European Parliament", "AGRI", "EMPL", "REGI")
    assert "RESTORE" in doc.text


def test_ep_plenary_document_page(real_fixtures):
    [doc] = parse("ep-document", (real_fixtures / "ep" / "document_A-9-2024-0163-EN.html").read_bytes(), "")
    assert doc.id == "ep:A-9-2024-0163"
    assert doc.procedure == "2024/2006(REG)"
    assert doc.date == date(2024, 4, 4)
    assert doc.doc_type == "report"
    assert "Gabriele BISCHOFF" in doc.authors
    assert "Decides to amend its Rules of Procedure" in doc.text


def test_press_release_page_is_not_a_plenary_document(real_fixtures):
    with pytest.raises(ParseError, match="no doceo document id"):
        parse("ep-document", (real_fixtures / "ep" / "press-release_20241212IPR25960.html").read_bytes(), "")
