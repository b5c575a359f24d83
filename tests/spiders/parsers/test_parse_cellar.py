"""Cellar notices against the real recordings in tests/fixtures/real/cellar (copied from the reference set)."""

import re
from datetime import date

import lxml.etree
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


def _tree(real_fixtures) -> str:
    return (real_fixtures / "cellar" / "tree-notice_procedure-2013-0449-COD.xml").read_text()


def _branch(real_fixtures) -> str:
    return (real_fixtures / "cellar" / "branch-notice_32017R2403.xml").read_text()


def test_official_journal_event_has_its_actor(real_fixtures):
    [proc] = parse("cellar-notice", _tree(real_fixtures).encode(), "")
    published = proc.events[-1]
    assert published.title == "Publication in the Official Journal"
    assert published.actor == "Publications Office of the European Union"


def test_dossier_without_reference_takes_it_from_its_uri_and_events(real_fixtures):
    """Derived variant: the reference elements removed; ``procedure/2013_449`` and the procedure
    type the dossier (then its events) state remain."""
    notice = re.sub(
        r"<(PROCEDURE_CODE_INTERINSTITUTIONAL_REFERENCE_PROCEDURE|REFERENCE_PROCEDURE)\b.*?</\1>",
        "",
        _tree(real_fixtures),
        flags=re.S,
    )
    assert "2013/0449/COD" not in notice
    [proc] = parse("cellar-notice", notice.encode(), "")
    assert proc.reference == "2013/0449(COD)"
    without_type = re.sub(
        r"<PROCEDURE_CODE_INTERINSTITUTIONAL_HAS_TYPE_CONCEPT_TYPE_PROCEDURE_CODE_INTERINSTITUTIONAL\b.*?"
        r"</PROCEDURE_CODE_INTERINSTITUTIONAL_HAS_TYPE_CONCEPT_TYPE_PROCEDURE_CODE_INTERINSTITUTIONAL>",
        "",
        notice,
        flags=re.S,
    )
    [proc] = parse("cellar-notice", without_type.encode(), "")  # the events say OLP: COD
    assert proc.reference == "2013/0449(COD)"


def test_events_nested_below_the_top_level_are_read(real_fixtures):
    """Derived variant: the EVENTs moved inside the DOSSIER, each in an embedded notice."""
    root = lxml.etree.fromstring(_tree(real_fixtures).encode())
    dossier = root.find("DOSSIER")
    for event in root.findall("EVENT"):
        holder = lxml.etree.SubElement(dossier, "DOSSIER_CONTAINS_EVENT_LEGAL")
        lxml.etree.SubElement(holder, "EMBEDDED_NOTICE").append(event)
    assert root.find("EVENT") is None
    [proc] = parse("cellar-notice", lxml.etree.tostring(root), "")
    assert len(proc.events) == 9 and proc.events[0].documents == ("celex:52013PC0937",)
    assert proc.final_act == "32014R0248" and proc.status == "completed"
    assert {"celex:52013PC0937", "celex:32014R0248", "celex:52014AB0003"} <= set(proc.documents)


def test_work_without_english_title_keeps_another_language(real_fixtures):
    """Derived variant: the notice's one expression says it is French."""
    root = lxml.etree.fromstring(_branch(real_fixtures).encode())
    [expression] = root.findall("EXPRESSION")
    language = expression.find("EXPRESSION_USES_LANGUAGE")
    assert language.findtext("IDENTIFIER") == "ENG"
    for element in language.iter("IDENTIFIER", "OP-CODE"):
        element.text = "FRA"
    [doc] = parse("cellar-notice", lxml.etree.tostring(root), "")
    assert doc.language == "fr"
    assert doc.title.startswith("Regulation (EU) 2017/2403")  # the only title the notice has


def test_treaty_celex_of_sector_1_parses(real_fixtures):
    notice = _branch(real_fixtures).replace("32017R2403", "12016M/TXT")
    [doc] = parse("cellar-notice", notice.encode(), "")
    assert doc.id == "celex:12016M/TXT" and doc.celex == "12016M/TXT"


def test_celex_only_in_a_sameas_uri_is_found(real_fixtures):
    notice = re.sub(r"<(RESOURCE_LEGAL_ID_CELEX|ID_CELEX)\b.*?</\1>", "", _branch(real_fixtures), flags=re.S)
    assert "RESOURCE_LEGAL_ID_CELEX" not in notice and "resource/celex/32017R2403" in notice
    [doc] = parse("cellar-notice", notice.encode(), "")
    assert doc.celex == "32017R2403"
    assert doc.subjects == ("Fisheries policy",) and doc.procedures == ("2015/0289(COD)",)


def test_every_date_of_a_kind_is_kept(real_fixtures):
    """Derived variant of the branch notice of 32017R2403: two transposition deadlines and a
    real end of validity; the first of each kind keeps its name, the next are numbered."""
    notice = (real_fixtures / "cellar" / "branch-notice_32017R2403.xml").read_text("utf-8")
    extra = "".join(
        f'<RESOURCE_LEGAL_DATE_TRANSPOSITION type="date"><VALUE>{d}</VALUE></RESOURCE_LEGAL_DATE_TRANSPOSITION>'
        for d in ("2028-07-26", "2027-07-26")
    )
    variant = notice.replace("<VALUE>9999-12-31</VALUE>", "<VALUE>2030-12-31</VALUE>").replace(
        '<RESOURCE_LEGAL_DATE_END-OF-VALIDITY type="date">',
        extra + '<RESOURCE_LEGAL_DATE_END-OF-VALIDITY type="date">',
        1,
    )
    [doc] = parse("cellar-notice", variant.encode(), "")
    assert doc.dates["transposition"].isoformat() == "2027-07-26"  # the earliest first
    assert doc.dates["transposition_2"].isoformat() == "2028-07-26"
    assert doc.dates["end_of_validity"].isoformat() == "2030-12-31"
    [real] = parse("cellar-notice", notice.encode(), "")
    assert "end_of_validity" not in real.dates and real.dates["deadline_2"].isoformat() == "2023-01-17"
