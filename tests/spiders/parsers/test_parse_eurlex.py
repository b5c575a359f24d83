"""EUR-Lex parsers against the real recorded pages in tests/fixtures/real/eurlex (copied from the reference set)."""

import re
from datetime import date

import pytest

from policytrack.model import KeyPlayer
from spiders.errors import ParseError
from spiders.parsers import parse


def read(real_fixtures, name):
    return (real_fixtures / "eurlex" / name).read_bytes()


def test_procedure_page_ai_act(real_fixtures):
    url = "https://eur-lex.europa.eu/procedure/EN/2021_106"
    [proc] = parse("eurlex-procedure", read(real_fixtures, "procedure_2021-0106-COD.html"), url)
    assert proc.id == "proc:2021/0106(COD)"
    assert proc.reference == "2021/0106(COD)"
    assert proc.title.startswith(
        "Proposal for a REGULATION OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL LAYING DOWN HARMONISED RULES ON ARTIFICIAL INTELLIGENCE"
    )
    assert len(proc.events) == 14
    first, last = proc.events[0], proc.events[-1]
    assert (first.date, first.title, first.actor) == (
        date(2021, 4, 22),
        "Adoption by Commission",
        "European Commission",
    )
    assert "celex:52021PC0206" in first.documents
    assert (last.date, last.title) == (date(2024, 3, 18), "Discussions within the Council or its preparatory bodies")
    ep = [e for e in proc.events if e.title == "EP position at first reading"]
    assert ep and ep[0].date == date(2024, 3, 13) and ep[0].actor == "European Parliament"
    assert "ep:TA-9-2024-0138" in ep[0].documents
    assert proc.stage == "Discussions within the Council or its preparatory bodies"
    assert proc.status == "ongoing" and proc.final_act is None
    assert "artificial intelligence" in proc.eurovoc and len(proc.eurovoc) == 10
    assert KeyPlayer("commission", "Thierry BRETON") in proc.key_players
    assert KeyPlayer("commission", "Directorate-General for Communications Networks, Content and Technology") in (
        proc.key_players
    )
    assert not any(d.startswith("celex:1") for d in proc.documents)  # treaty articles are legal bases, not documents
    assert proc.url == url


def test_document_all_page_32017R2403(real_fixtures):
    url = "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:32017R2403"
    [doc] = parse("eurlex-document", read(real_fixtures, "legal-content_EN-ALL_CELEX-32017R2403.html"), url)
    assert doc.id == "celex:32017R2403" and doc.celex == "32017R2403"
    assert doc.eli == "http://data.europa.eu/eli/reg/2017/2403/oj"
    assert doc.title.startswith(
        "Regulation (EU) 2017/2403 of the European Parliament and of the Council of 12 December 2017"
    )
    assert doc.doc_type == "regulation"
    assert doc.procedure == "2015/0289(COD)"
    assert doc.date == date(2017, 12, 12)
    assert doc.dates == {
        "entry_into_force": date(2018, 1, 17),
        "deadline": date(2022, 4, 17),
        "deadline_2": date(2023, 1, 17),
        "publication": date(2017, 12, 28),
    }
    assert doc.authors == ("European Parliament", "Council of the European Union")
    assert doc.eurovoc[:3] == ("fishing fleet", "fishery management", "fishing industry")
    assert len(doc.eurovoc) == 10
    assert "sustainable management of external fishing fleets" in doc.text
    assert len(doc.text) > 50_000


def test_document_txt_page_32017R2403(real_fixtures):
    [doc] = parse(
        "eurlex-document",
        read(real_fixtures, "legal-content_EN-TXT_CELEX-32017R2403.html"),
        "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32017R2403",
    )
    assert doc.id == "celex:32017R2403"
    assert doc.eli == "http://data.europa.eu/eli/reg/2017/2403/oj"
    assert doc.dates == {"publication": date(2017, 12, 28)}
    assert doc.text.startswith(
        "28.12.2017 EN Official Journal of the European Union L 347/81 REGULATION (EU) 2017/2403"
    )


def test_document_page_ep_report(real_fixtures):
    [doc] = parse("eurlex-document", read(real_fixtures, "document_EP-report_A9-2021-0270.html"), "")
    assert doc.id == "ep:A-9-2021-0270" and doc.celex is None
    assert doc.title.startswith(
        "SECOND REPORT on discharge in respect of the implementation of the budget of the European Border and Coast Guard Agency"
    )
    assert doc.doc_type == "report"
    assert doc.procedure == "2020/2167(DEC)"
    assert doc.date == date(2021, 9, 30)
    assert doc.authors == ("European Parliament", "Committee on Budgetary Control", "Ryszard CZARNECKI")
    assert doc.subjects == ("Budget",)
    assert "Frontex" in doc.eurovoc


@pytest.mark.parametrize("kind", ["eurlex-document", "eurlex-procedure"])
def test_wrong_kind_is_a_parse_error(real_fixtures, kind):
    other = (
        "procedure_2021-0106-COD.html" if kind == "eurlex-document" else "legal-content_EN-ALL_CELEX-32017R2403.html"
    )
    with pytest.raises(ParseError, match=r"^https://example\.org/x: not a usable EUR-Lex"):
        parse(kind, read(real_fixtures, other), "https://example.org/x")


def test_bot_challenge_is_a_parse_error():
    challenge = b"<html><head><title>Human Verification</title><script src='https://x.token.awswaf.com/challenge.js'></script></head><body>JavaScript is disabled</body></html>"
    with pytest.raises(ParseError, match="bot-challenge"):
        parse("eurlex-document", challenge, "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:32024L1760")


def test_document_subject_matter_and_32017R2403_authors(real_fixtures):
    [doc] = parse("eurlex-document", read(real_fixtures, "legal-content_EN-ALL_CELEX-32017R2403.html"), "")
    assert doc.subjects == ("Fisheries policy",)


def test_author_names_with_commas_stay_whole(real_fixtures):
    """Derived variant: the authors as one plain text, a committee name with a comma in it."""
    page = read(real_fixtures, "document_EP-report_A9-2021-0270.html").decode()
    marked = '<span lang="en">European Parliament</span>, <span lang="en">Committee on Budgetary Control</span>'
    assert marked in page
    plain = page.replace(marked, "European Parliament, Committee on Civil Liberties, Justice and Home Affairs")
    [doc] = parse("eurlex-document", plain.encode(), "")
    assert doc.authors == (
        "European Parliament",
        "Committee on Civil Liberties, Justice and Home Affairs",
        "Ryszard CZARNECKI",
    )
    marked_comma = marked.replace(
        "Committee on Budgetary Control", "Committee on Civil Liberties, Justice and Home Affairs"
    )
    [doc] = parse("eurlex-document", page.replace(marked, marked_comma).encode(), "")
    assert doc.authors[1] == "Committee on Civil Liberties, Justice and Home Affairs" and len(doc.authors) == 3


def test_procedure_key_players_are_structured(real_fixtures):
    [proc] = parse("eurlex-procedure", read(real_fixtures, "procedure_2021-0106-COD.html"), "")
    players = proc.key_players
    assert (
        KeyPlayer("committee responsible", "Committee on Civil Liberties, Justice and Home Affairs", "LIBE") in players
    )
    assert (
        KeyPlayer("committee responsible", "Committee on the Internal Market and Consumer Protection", "IMCO")
        in players
    )
    # Two committees, two rapporteurs: each with the committee in the same place of the list.
    assert KeyPlayer("rapporteur", "Dragoş TUDORACHE", "LIBE") in players
    assert KeyPlayer("rapporteur", "Brando BENIFEI", "IMCO") in players
    assert KeyPlayer("rapporteur for opinion", "Axel VOSS", "JURI") in players


# What an adopted file's page adds to the AI Act page of March 2024 (from the layout of EUR-Lex
# procedure pages of adopted files): a Council adoption without details to expand, and the
# Official Journal publication shown above the timeline.
_ADOPTION_BLOCK = """
<div class="cd-timeline__block js-cd-block"><div class="cd-timeline__content  js-cd-content">
 <div class="cd-timeline_title col-xs-12"><button class="btn btn-link ViewMoreInfo collapsed"><span class="VMIMore">
  <h3 class="pdfOnly">Council of the European Union</h3></span><span class="VMILess">
  <h3>Council of the European Union</h3></span></button></div>
 <div id="ADOCONSIL" class="col-xs-12 collapse instDetails">
  <div id="2024-05-21_ADP_FRM_byCONSIL" class="col-xs-12 eventRow">
   <div class="col-xs-7 col-sm-6 eventTitle"><div class="eventEmpty"><strong>Adoption of resulting legal act</strong></div></div>
   <div class="hidden-xs col-sm-3 eventCelex"></div>
   <div class="col-xs-5 col-sm-3 eventDate"><i class="fa fa-calendar-minus-o"></i><span>21/05/2024</span></div>
  </div>
 </div>
</div></div>
"""
_PUBLICATION = """
<div id="pubOjHeading" class="alert alert-info" role="alert"><span id="2024-07-12_PUB_OJ">Publication in the Official Journal</span>
 <dl class="GridDL GridDL4060"><dt>Date of publication</dt><dd>12/07/2024</dd>
 <dt>CELEX number of the main document:</dt>
 <dd><span lang="en"><a href="./../../legal-content/EN/AUTO/?uri=celex:32024R1689">32024R1689</a></span></dd></dl>
</div>
"""


def _adopted_ai_act(real_fixtures) -> bytes:
    page = read(real_fixtures, "procedure_2021-0106-COD.html").decode()
    timeline = '<section class="cd-timeline js-cd-timeline col-xs-12">'
    assert timeline in page
    page = page.replace(timeline, _PUBLICATION + timeline, 1)
    page = page.replace(
        '<div class="cd-timeline__container">', '<div class="cd-timeline__container">' + _ADOPTION_BLOCK, 1
    )
    return page.replace("<b>Ongoing</b>", "<b>Completed</b>", 1).encode()


def test_adopted_file_keeps_council_adoption_and_publication(real_fixtures):
    [proc] = parse(
        "eurlex-procedure", _adopted_ai_act(real_fixtures), "https://eur-lex.europa.eu/procedure/EN/2021_106"
    )
    assert len(proc.events) == 16
    adoption = next(e for e in proc.events if e.title == "Adoption of resulting legal act")
    assert (adoption.date, adoption.actor) == (date(2024, 5, 21), "Council of the European Union")
    published = proc.events[-1]
    assert (published.date, published.title) == (date(2024, 7, 12), "Publication in the Official Journal")
    assert published.actor == "Publications Office of the European Union"
    assert published.documents == ("celex:32024R1689",)
    assert proc.final_act == "32024R1689"
    assert (proc.status, proc.stage) == ("completed", "Publication in the Official Journal")


def test_timeline_read_from_the_chart_script_when_its_html_differs(real_fixtures):
    """Derived variant: the HTML timeline in another markup; the page's chart data remains."""
    page = read(real_fixtures, "procedure_2021-0106-COD.html").decode()
    page = page.replace("cd-timeline__content", "other-timeline-block")
    [proc] = parse("eurlex-procedure", page.encode(), "")
    [original] = parse("eurlex-procedure", read(real_fixtures, "procedure_2021-0106-COD.html"), "")
    assert [(e.date, e.title) for e in proc.events] == [(e.date, e.title) for e in original.events]
    assert proc.events[0].actor == "European Commission"
    assert "ep:TA-9-2024-0138" in next(e for e in proc.events if e.title == "EP position at first reading").documents


def test_reference_from_the_procedure_heading(real_fixtures):
    page = re.sub(rb'<p class="DocumentTitle[^"]*">[^<]*</p>', b"", read(real_fixtures, "procedure_2021-0106-COD.html"))
    [proc] = parse("eurlex-procedure", page, "")
    assert proc.reference == "2021/0106(COD)"


@pytest.mark.parametrize(
    "name, url",
    [
        (
            "legal-content_EN-ALL_CELEX-32017R2403.html",
            "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:32017R2403",
        ),
        ("legal-content_EN-ALL_CELEX-32017R2403.html", ""),  # (its heading says "Document 32017R2403")
        (
            "document_EP-report_A9-2021-0270.html",
            "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=EP:P9_A(2021)0270",
        ),
    ],
)
def test_document_page_without_the_analytics_metas(real_fixtures, name, url):
    """Derived variant: the page without its ``WT.*`` metas (a retired tracker's: EUR-Lex stubs it
    out already, ``sendDcsMultiTrack() {}``). The page's heading, the title block and the
    address still say what the document is."""
    page = read(real_fixtures, name)
    stripped = re.sub(rb'<meta name="WT\.[^"]*" content="[^"]*"/>', b"", page)
    assert b"WT.z_docID" not in stripped
    [original] = parse("eurlex-document", page, url)
    [doc] = parse("eurlex-document", stripped, url)
    assert (doc.id, doc.title, doc.celex, doc.eli, doc.date) == (
        original.id,
        original.title,
        original.celex,
        original.eli,
        original.date,
    )
    assert doc.authors == original.authors and doc.dates == original.dates and doc.text == original.text


def test_repeated_dates_are_all_kept(real_fixtures):
    """Derived variant of the dates of 32017R2403: an act that applies in stages, a directive's
    staggered transposition deadlines and a real end of validity (31/12/9999 is none). Each
    repeated label is kept, numbered, as the deadlines already were."""
    page = read(real_fixtures, "legal-content_EN-ALL_CELEX-32017R2403.html").decode()
    end = '<dt xmlns="http://www.w3.org/1999/xhtml">Date of end of validity: </dt>'
    extra = "".join(
        f"<dt>{label}: </dt><dd>{value}</dd>"
        for label, value in (
            ("Date of effect", "17/07/2018; <span>Application See Art 49</span>"),
            ("Date of effect", "17/01/2019; <span>Application See Art 49.2</span>"),
            ("Date of transposition", "26/07/2027; <span>At the latest See Art 37</span>"),
            ("Date of transposition", "26/07/2028; <span>See Art 37.1(b)</span>"),
        )
    )
    variant = page.replace(end, extra + end).replace("31/12/9999", "31/12/2030")
    [doc] = parse("eurlex-document", variant.encode(), "")
    assert {k: v.isoformat() for k, v in doc.dates.items() if k != "publication"} == {
        "entry_into_force": "2018-01-17",
        "deadline": "2022-04-17",
        "deadline_2": "2023-01-17",
        "application": "2018-07-17",
        "application_2": "2019-01-17",
        "transposition": "2027-07-26",
        "transposition_2": "2028-07-26",
        "end_of_validity": "2030-12-31",
    }
    [real] = parse("eurlex-document", page.encode(), "")
    assert "end_of_validity" not in real.dates  # 31/12/9999: no end
