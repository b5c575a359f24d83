"""The Cellar index: the watch query names the watchlist; its SPARQL answer becomes notice requests."""

import pytest

from spiders.errors import ParseError
from spiders.parsers.cellar import notice_url, parse_sparql
from spiders.replay import SHIPPED_RECORDING
from spiders.spiders.cellar import watch_query


def test_watch_query_names_acts_procedures_and_concepts():
    query = watch_query(["32024L1760", "32017R0821"], ["2022/0051(COD)"], ["forced labour"])
    assert 'VALUES ?celex { "32017R0821" "32024L1760" }' in query
    assert 'VALUES ?procedure { "2022/0051/COD" }' in query
    assert '"forced labour"@en' in query
    assert "work_cites_work|cdm:resource_legal_amends_resource_legal" in query


def test_sparql_answer_to_notice_urls():
    body = (SHIPPED_RECORDING / "handmade" / "cellar_sparql_watch-query.json").read_bytes()
    rows = parse_sparql(body, "https://publications.europa.eu/webapi/rdf/sparql")
    assert rows == [
        ("celex", "32017R2403", "2018-03-02T16:02:29.370+01:00"),
        ("procedure", "2013/0449(COD)", "2018-10-05T19:40:13.362+02:00"),
    ]
    assert notice_url(*rows[0][:2]) == "https://publications.europa.eu/resource/celex/32017R2403"
    assert notice_url(*rows[1][:2]) == "https://publications.europa.eu/resource/procedure/2013_449"


@pytest.mark.parametrize("body", [b"", b"[]", b'{"results": {}}', b"<sparql/>"])
def test_bad_sparql_answers_are_parse_errors(body):
    with pytest.raises(ParseError):
        parse_sparql(body, "https://publications.europa.eu/webapi/rdf/sparql")
