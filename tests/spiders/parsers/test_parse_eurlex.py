"""EUR-Lex parsers against the real recorded pages in tests/fixtures/real/eurlex (copied from the reference set)."""

from datetime import date

import pytest

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
    assert "Thierry BRETON" in [p.name for p in proc.key_players]
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
    assert doc.authors == ("European Parliament", "Committee on Budgetary Control")
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
