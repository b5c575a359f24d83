"""Cellar notices against the real recordings in tests/fixtures/real/cellar (copied from the reference set)."""

from datetime import date

import pytest

from policytrack.model import Document, Procedure
from spiders.errors import ParseError
from spiders.parsers import parse


def test_branch_notice_32017R2403(real_fixtures):
    [doc] = parse("cellar-notice", (real_fixtures / "cellar" / "branch-notice_32017R2403.xml").read_bytes(), "")
    assert isinstance(doc, Document)
    assert doc.id == "celex:32017R2403" and doc.source == "cellar"
    assert doc.eli == "http://data.europa.eu/eli/reg/2017/2403/oj"
    assert doc.procedure == "2015/0289(COD)"
    assert doc.doc_type == "regulation"
    assert doc.date == date(2017, 12, 12)
    assert doc.dates == {
        "entry_into_force": date(2018, 1, 17),
        "deadline": date(2022, 4, 17),
        "deadline_2": date(2023, 1, 17),
        "publication": date(2017, 12, 28),
    }
    assert set(doc.authors) == {"European Parliament", "Council of the European Union"}
    assert len(doc.eurovoc) == 10 and "fishing fleet" in doc.eurovoc
    assert doc.title.startswith("Regulation (EU) 2017/2403 of the European Parliament and of the Council")


def test_tree_notice_procedure_2013_0449(real_fixtures):
    [proc] = parse(
        "cellar-notice", (real_fixtures / "cellar" / "tree-notice_procedure-2013-0449-COD.xml").read_bytes(), ""
    )
    assert isinstance(proc, Procedure)
    assert proc.id == "proc:2013/0449(COD)"
    assert proc.title == (
        "Proposal for a REGULATION OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL amending Regulation (EU) "
        "N° 260/2012 as regards the migration to Union-wide credit transfers and direct debits"
    )
    assert len(proc.events) == 9
    assert (proc.events[0].date, proc.events[0].title) == (date(2014, 1, 9), "Adoption by Commission")
    assert proc.events[0].documents == ("celex:52013PC0937",)
    last = proc.events[-1]
    assert (last.date, last.title, last.documents) == (
        date(2014, 3, 20),
        "Publication in the Official Journal",
        ("celex:32014R0248",),
    )
    assert proc.final_act == "32014R0248"
    assert proc.status == "completed" and proc.stage == "Publication in the Official Journal"


def test_notice_of_other_xml_is_a_parse_error(real_fixtures):
    with pytest.raises(ParseError, match="not <NOTICE>"):
        parse("cellar-notice", (real_fixtures / "ep-odp" / "meeting_MTG-PL-2024-07-16.xml").read_bytes(), "f.xml")
