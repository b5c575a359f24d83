"""The Cellar queries, run by a real SPARQL engine (rdflib) over a small CDM graph written the way
Cellar stores it: CELEX numbers and procedure codes as ``xsd:string`` literals, change stamps as
``xsd:dateTime``. The same graph with untyped literals finds nothing — as on Cellar's Virtuoso,
where the old untyped query matched nothing at all."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from rdflib import Graph, Literal, Namespace, URIRef

from spiders.cellar_queries import Query, _literal, queries
from spiders.errors import ParseError
from spiders.parsers.sparql import Row, dossier_url, parse_sparql, procedure_code, work_url
from spiders.replay import SHIPPED_RECORDING

CDM = Namespace("http://publications.europa.eu/ontology/cdm#")
CMR = Namespace("http://publications.europa.eu/ontology/cdm/cmr#")
CELLAR = Namespace("http://publications.europa.eu/resource/cellar/")
EUROVOC = "http://eurovoc.europa.eu/"
XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")
XSD_DATETIME = URIRef("http://www.w3.org/2001/XMLSchema#dateTime")
WATCHED = ["32024L1760", "32017R0821"]
PROCEDURES = ["2022/0051(COD)", "2014/0059(COD)"]
CONCEPTS = ["7942", "c_b18ab65c"]
NOW = datetime(2026, 9, 2, 12, tzinfo=UTC)


def cdm_graph(typed: bool = True) -> Graph:
    g = Graph()

    def text(value: str) -> Literal:
        return Literal(value, datatype=XSD_STRING) if typed else Literal(value)

    def work(uuid: str, celex: str, modified: str) -> URIRef:
        node = CELLAR[uuid]
        g.add((node, CDM.resource_legal_id_celex, text(celex)))
        g.add((node, CMR.lastModificationDate, Literal(datetime.fromisoformat(modified), datatype=XSD_DATETIME)))
        return node

    csddd = work("csddd", "32024L1760", "2025-04-17T10:00:00+02:00")
    minerals = work("minerals", "32017R0821", "2020-11-19T09:00:00+01:00")
    work("unwatched", "32024R1252", "2024-05-03T09:00:00+02:00")
    g.add(
        (work("stop-clock", "32025L0794", "2025-04-16T10:00:00+02:00"), CDM.resource_legal_amends_resource_legal, csddd)
    )
    citing = work("citing", "52025PC0081", "2026-02-26T10:00:00+01:00")
    g.add((citing, CDM.work_cites_work, csddd))
    g.add((citing, CDM.work_cites_work, minerals))
    g.add((citing, CDM.work_is_about_concept_eurovoc, URIRef(EUROVOC + "7942")))
    for uuid, celex, modified, concept in (
        ("csr-act", "32026R0100", "2026-03-01T10:00:00+01:00", "7942"),
        ("supply", "32025D0200", "2025-10-01T10:00:00+02:00", "c_b18ab65c"),
        ("old", "32019L0001", "2019-01-10T10:00:00+01:00", "7942"),  # before the first-run window
        ("case", "62025CJ0001", "2026-05-01T10:00:00+02:00", "7942"),  # case law: not an act
        ("other", "32026R0300", "2026-05-01T10:00:00+02:00", "1234"),  # another concept
    ):
        g.add((work(uuid, celex, modified), CDM.work_is_about_concept_eurovoc, URIRef(EUROVOC + concept)))
    for uuid, code, modified in (
        ("dossier-csddd", "2022/0051/COD", "2024-07-05T12:00:00+02:00"),
        ("dossier-x", "2023/0001/COD", "2024-07-05T12:00:00+02:00"),
    ):
        g.add((CELLAR[uuid], CDM.procedure_code_interinstitutional_reference_procedure, text(code)))
        g.add(
            (CELLAR[uuid], CMR.lastModificationDate, Literal(datetime.fromisoformat(modified), datatype=XSD_DATETIME))
        )
    return g


def answer(graph: Graph, text: str) -> bytes:
    """The engine's answer in SPARQL JSON, as Cellar returns it."""
    return graph.query(text).serialize(format="json")


def run(graph: Graph, query: Query, since: datetime | None = None, limit: int = 1000) -> list[Row]:
    return parse_sparql(answer(graph, query.text(since, 0, limit, now=NOW)))


def by_name() -> dict[str, Query]:
    return {q.name: q for q in queries(WATCHED, PROCEDURES, CONCEPTS)}


def test_every_query_finds_its_works_on_typed_literals():
    g, q = cdm_graph(), by_name()
    assert [r.identifier for r in run(g, q["watched-acts"])] == ["32017R0821", "32024L1760"]
    related = run(g, q["citing-or-amending"])
    assert [(r.identifier, r.relation) for r in related] == [
        ("32025L0794", "amends"),
        ("52025PC0081", "cites"),  # it cites both watched acts: one row per relation
    ]
    # Acts and proposals about the concepts, changed in the year before a first run.
    assert [r.identifier for r in run(g, q["about-concepts"])] == ["32025D0200", "32026R0100", "52025PC0081"]
    assert [(r.kind, r.identifier) for r in run(g, q["watched-procedures"])] == [("procedure", "2022/0051(COD)")]
    assert run(g, q["watched-acts"])[1].modified == "2025-04-17T10:00:00+02:00"


def test_untyped_literals_find_nothing():
    """Cellar's literals are typed: a graph (or a query) without the type matches nothing — the
    reason the first watch query brought back nothing live."""
    g, q = cdm_graph(typed=False), by_name()
    for name in ("watched-acts", "citing-or-amending", "watched-procedures"):
        assert run(g, q[name]) == [], name
    # (Works about a concept are matched by the concept's URI, not by a literal.)
    assert len(run(g, q["about-concepts"])) == 3


def test_only_what_changed_since_the_last_successful_run():
    g, q = cdm_graph(), by_name()
    since = datetime(2025, 4, 17, 0, 0, tzinfo=UTC)
    assert [r.identifier for r in run(g, q["watched-acts"], since)] == ["32024L1760"]
    assert [r.identifier for r in run(g, q["citing-or-amending"], since)] == ["52025PC0081"]
    assert run(g, q["watched-procedures"], since) == []


def test_paging_until_a_short_page_gets_every_row_once():
    g, query = cdm_graph(), by_name()["about-concepts"]
    rows, offset = [], 0
    while True:
        page = parse_sparql(answer(g, query.text(None, offset, 2, now=NOW)))
        rows += page
        if len(page) < 2:
            break
        offset += 2
    assert offset == 2 and [r.identifier for r in rows] == ["32025D0200", "32026R0100", "52025PC0081"]


def test_the_query_text_is_typed_ordered_and_named():
    text = by_name()["watched-procedures"].text(datetime(2026, 1, 1, tzinfo=UTC), 1000)
    assert text.startswith("# policytrack: watched-procedures (offset 1000)\n")
    assert '"2014/0059/COD"^^xsd:string "2022/0051/COD"^^xsd:string' in text
    assert 'FILTER (?modified >= "2026-01-01T00:00:00+00:00"^^xsd:dateTime)' in text
    assert "ORDER BY ?procedure ?modified\nLIMIT 1000 OFFSET 1000" in text
    assert "<http://eurovoc.europa.eu/c_b18ab65c>" in by_name()["about-concepts"].text(None, 0)


def test_each_watch_list_has_its_own_watermark_key():
    before = queries(WATCHED, PROCEDURES, CONCEPTS)
    after = queries([*WATCHED, "32024L1799"], PROCEDURES, CONCEPTS)
    assert before[0].index != after[0].index  # a new watched act: its query is asked in full
    assert before[3].index == after[3].index
    assert queries([], [], []) == []  # nothing watched, nothing asked


def test_values_are_identifiers_only():
    with pytest.raises(ValueError):
        _literal('32024L1760" } ?s ?p ?o {')


def test_addresses_of_works_and_dossiers():
    assert work_url("32024l1760") == "https://publications.europa.eu/resource/celex/32024L1760"
    assert dossier_url("2013/0449(COD)") == "https://publications.europa.eu/resource/procedure/2013_449"
    assert procedure_code("2022/51/COD") == "2022/0051/COD"


@pytest.mark.parametrize(
    "name, rows",
    [
        ("watched-acts", ["32014L0024", "32023R1542", "32024L1760", "32024L1799", "32024R1781"]),
        ("citing-or-amending", ["32025L0794"]),
        ("about-concepts", ["32017R2403"]),
        ("watched-procedures", ["2013/0449(COD)"]),
    ],
)
def test_shipped_answers_have_the_real_shape(real_fixtures, name, rows):
    shipped = json.loads((SHIPPED_RECORDING / "handmade" / f"cellar_sparql_{name}.json").read_text("utf-8"))
    real = json.loads((real_fixtures / "cellar" / "sparql-results_ai-act-manifestations.json").read_text("utf-8"))
    assert shipped.keys() == real.keys() and shipped["head"].keys() == real["head"].keys()
    assert shipped["results"].keys() == real["results"].keys()
    first = shipped["results"]["bindings"][0]
    assert {"type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#string"}.items() <= (
        first.get("celex") or first["procedure"]
    ).items()
    parsed = parse_sparql(json.dumps(shipped).encode())
    assert [r.identifier for r in parsed] == rows


def test_real_answers_without_our_variables_are_empty_not_errors(real_fixtures):
    body = (real_fixtures / "cellar" / "sparql-results_in-force-eurovoc-5188.json").read_bytes()
    assert parse_sparql(body, "https://publications.europa.eu/webapi/rdf/sparql") == []


@pytest.mark.parametrize("body", [b"", b"[]", b'{"results": {}}', b'{"results": {"bindings": []}}', b"<sparql/>"])
def test_bad_sparql_answers_are_parse_errors(body):
    with pytest.raises(ParseError):
        parse_sparql(body, "https://publications.europa.eu/webapi/rdf/sparql")
