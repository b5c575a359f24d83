"""The backend contract: the same tests, the same answers, embedded and Elasticsearch.

Ranking details differ between the two BM25s, so where order is not the point the tests
compare sets of ids; where it is (title above body, sort by date) both must agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from index_corpus import T_NEW, T_OLD

from indexer.errors import IndexerError, QueryError
from policytrack.model import Ask, Document, Note, Section

ALL = 12


def ids(result) -> set[str]:
    return {h.id for h in result.hits}


def search_ids(backend, query, **kw) -> set[str]:
    result = backend.search(query, per_page=100, **kw)
    assert result.total == len(result.hits)
    return ids(result)


def test_count_and_match_all(backend):
    assert backend.count() == ALL
    assert backend.search("").total == ALL


@pytest.mark.parametrize(
    "query, expected",
    [
        ('"due diligence" AND downstream', {"celex:32024L1760", "ep:A-9-2023-0184", "note:downstream-briefing"}),
        ("downstream", {"celex:32024L1760", "ep:A-9-2023-0184", "note:downstream-briefing"}),
        ('"downstream partners"', {"celex:32024L1760"}),
        ('"partners downstream"', set()),
        ("cobalt OR tantalum", {"celex:32023R1542", "celex:32017R0821"}),
        ("repair -smartphones", set()),
        ("(repair OR ecodesign) -smartphones", {"celex:32024R1781", "proc:2023/0079(CNS)"}),
        ("ecodesign*", {"celex:32024R1781", "proc:2023/0079(CNS)"}),
        ("batter*", {"celex:32023R1542"}),
        ("NOT due -diligence -ecodesign -repair", {"celex:32014L0024", "press:20240424IPR20987"}),
        ("32024L1760", {"celex:32024L1760", "note:downstream-briefing"}),
        ("2022/0095(COD)", {"celex:32024R1781"}),
        ("JURI", {"proc:2022/0051(COD)"}),
    ],
)
def test_text_queries(backend, query, expected):
    assert search_ids(backend, query) == expected


def test_words_match_in_title_body_and_identifiers(backend):
    assert search_ids(backend, "graphite") == {"celex:32023R1542"}  # body
    assert search_ids(backend, "procurement") == {"celex:32014L0024"}  # title
    assert search_ids(backend, '"corporate social responsibility"') == {"celex:32024L1760"}  # EuroVoc


def test_title_weighs_more_than_body(backend):
    hits = backend.search("repair").hits
    # "repair" is in the title of 32024L1799 and only in the body of 32024R1781 ("reparability" aside)
    assert hits[0].id == "celex:32024L1799"


@pytest.mark.parametrize(
    "query, expected",
    [
        ("celex:32024L1760", {"celex:32024L1760", "note:downstream-briefing"}),
        (
            "procedure:2022/0051(COD)",
            {
                "celex:32024L1760",
                "celex:52022PC0071",
                "ep:A-9-2023-0184",
                "proc:2022/0051(COD)",
                "note:downstream-briefing",
            },
        ),
        ("procedure:COD/2022/0051 type:proposal", {"celex:52022PC0071"}),
        (
            "procedure:2022-0051",
            {
                "celex:32024L1760",
                "celex:52022PC0071",
                "ep:A-9-2023-0184",
                "proc:2022/0051(COD)",
                "note:downstream-briefing",
            },
        ),
        ("type:CNS", {"proc:2023/0079(CNS)"}),
        ("type:procedure", {"proc:2022/0051(COD)", "proc:2023/0079(CNS)"}),
        ("type:briefing", {"note:downstream-briefing"}),
        ('type:"press release"', {"press:20240424IPR20987"}),
        ("topic:public-procurement", {"celex:32014L0024"}),
        ("topic:circular-electronics type:regulation", {"celex:32024R1781", "celex:32023R1542"}),
        ('author:"european commission"', {"celex:52022PC0071"}),
        ('author:"Committee on Legal Affairs" OR player:JURI', {"ep:A-9-2023-0184", "proc:2022/0051(COD)"}),
        ("author:JURI", set()),  # a key player is not an author
        ('player:"wolters lara"', {"proc:2022/0051(COD)"}),
        ('player:"WOLTERS Lara (S&D)"', {"proc:2022/0051(COD)"}),
        ("player:wolters", set()),  # a filter is exact: the whole name
        ("year:2017", {"celex:32017R0821"}),
        ("date:2014..2017", {"celex:32014L0024", "celex:32017R0821"}),
        ("date:>=2025-01-01", {"note:downstream-briefing"}),
        ("date:<2015", {"celex:32014L0024"}),
        ("date:2023-07", {"celex:32023R1542"}),
        ("ecodesign* type:regulation date:>=2022-01-01", {"celex:32024R1781"}),
        ("due diligence -topic:due-diligence", set()),
        ("ecodesign OR celex:32014L0024", {"celex:32024R1781", "proc:2023/0079(CNS)", "celex:32014L0024"}),
        (
            "-type:directive -type:regulation -type:procedure -type:briefing",
            {"celex:52022PC0071", "ep:A-9-2023-0184", "press:20240424IPR20987"},
        ),
    ],
)
def test_filters(backend, query, expected):
    assert search_ids(backend, query) == expected


def test_procedure_dates_come_from_their_events(backend):
    assert search_ids(backend, "type:procedure year:2024") == {"proc:2022/0051(COD)"}


PRESS = {"press:20240424IPR20987"}


@pytest.mark.parametrize(
    "query, found",
    [
        ('C++ AND "quotes" {braces} [brackets] a:b ~tilde^2', PRESS),
        ("title:forced", set()),
        ("forced^10", set()),
        ("forced~2", set()),
        ("{!lucene}forced", set()),
        ("forced labour /regex/", set()),
        ('\\"forced\\"', PRESS),
        ("forced' OR '1'='1", PRESS),
        ("forced'; DROP TABLE docs; --", set()),
        ("forced labour AND (ban OR prohibiting)", PRESS),
        ("forced labour {braces}", PRESS),
        ("ＦＯＲＣＥＤ", set()),
        ("💡 forced", PRESS),
        ("forced\\ labour", PRESS),
        ("forced OR body:forced", PRESS),
        ("forced* AND labou*", PRESS),
        ("forced !labour", PRESS),
        ("forced labour #tag @user %25 $x", set()),
        ("forced labour\u202e", PRESS),
        ("forced ^ labour", PRESS),
        ("forced +labour", PRESS),
        ("forced -- labour", PRESS),
        ("forced:labour", PRESS),
    ],
)
def test_backend_special_characters_are_plain_text(backend, query, found):
    result = backend.search(query, facets=True)  # never a backend error
    assert ids(result) == found
    assert backend.count() == ALL  # nothing was dropped or changed


@pytest.mark.parametrize(
    "query",
    [
        'C++ && (AND) -- "quotes"',
        "NEAR(forced labour, 2)",
        "NEAR(forced, labour)",
        "body:* OR *:*",
        'forced"; DROP TABLE docs; --',
        "forced ))",
        "forced AND",
        "OR forced",
        '"""',
        "forced (",
        "forced\x00",
        "celex:';--",
    ],
)
def test_backend_syntax_that_is_malformed_here_gets_a_query_error(backend, query):
    with pytest.raises(QueryError) as err:
        backend.search(query)
    assert 0 <= err.value.position <= len(query)
    assert backend.count() == ALL


def test_special_characters_find_the_words(backend):
    assert search_ids(backend, "{braces} [brackets]") == {"press:20240424IPR20987"}
    assert search_ids(backend, "~tilde^2") == {"press:20240424IPR20987"}


@pytest.mark.parametrize("query", ["(forced", "celex:nope", 'forced"', "forced\x00labour", "x" * 20_000])
def test_malformed_queries_raise_query_errors(backend, query):
    with pytest.raises(QueryError):
        backend.search(query)


def test_snippets_mark_matches(backend):
    hit = backend.search("graphite").hits[0]
    assert "«graphite»" in hit.snippet
    phrase = backend.search('"value chain"').hits[0]
    assert ("«value" in phrase.snippet and "chain»" in phrase.snippet) or "«value chain»" in phrase.snippet
    # no text query: the snippet is the opening of the text
    only_filter = backend.search("celex:32014L0024").hits[0]
    assert only_filter.snippet.startswith("Contracting authorities")


def test_hit_fields(backend):
    hit = backend.search("celex:32024L1760 type:directive").hits[0]
    assert (hit.id, hit.kind, hit.doc_type, hit.date, hit.celex, hit.procedure, hit.topics) == (
        "celex:32024L1760",
        "document",
        "directive",
        "2024-06-13",
        "32024L1760",
        "2022/0051(COD)",
        ("due-diligence",),
    )
    proc = backend.search("type:CNS").hits[0]
    assert (proc.kind, proc.procedure, proc.date) == ("procedure", "2023/0079(CNS)", "2023-03-16")


def test_facets(backend):
    result = backend.search("due diligence", facets=True)
    facets = {f.name: dict(f.counts) for f in result.facets}
    assert [f.name for f in result.facets] == ["topic", "type", "author", "year", "procedure_type", "stage", "player"]
    assert result.total == 7
    assert facets["topic"] == {"due-diligence": 7, "circular-electronics": 1}
    assert facets["type"] == {
        "directive": 1,
        "proposal": 1,
        "regulation": 2,
        "report": 1,
        "procedure": 1,
        "briefing": 1,
    }
    assert facets["year"] == {"2024": 2, "2023": 2, "2022": 1, "2017": 1, "2025": 1}
    assert facets["procedure_type"] == {"COD": 7}
    assert facets["stage"] == {"Procedure completed": 1}
    assert facets["author"] == {
        "European Parliament": 3,
        "Council of the EU": 3,
        "European Commission": 1,
        "Committee on Legal Affairs": 1,
        "Fair Electronics Coalition": 1,
    }
    assert facets["player"] == {"JURI": 1, "WOLTERS Lara (S&D)": 1}
    # counts are sorted: most frequent first
    for f in result.facets:
        counts = [n for _, n in f.counts]
        assert counts == sorted(counts, reverse=True)


RECOMMENDATION = Note(
    id="note:csddd-asks",
    note_type="recommendation",
    title="Due diligence: what the transposition must get right",
    date=date(2025, 2, 10),
    slug="csddd-asks",
    topics=("due-diligence",),
    authors=("Fair Electronics Coalition",),
    body="Member States should keep the scope of the directive.",
    asks=(
        Ask(
            text="Cover the downstream chain: use and disposal of electronics",
            target="32024L1760 Art. 3",
            celex="32024L1760",
        ),
        Ask(text="Name a supervisory authority with enough staff", target="2022/0051(COD)", procedure="2022/0051(COD)"),
    ),
)


def test_notes_are_indexed_with_their_type_topics_dossiers_and_asks(backend):
    """Briefings and recommendations in the index: by kind, topic, dossier, act, and the words
    of their asks."""
    assert backend.index([(RECOMMENDATION, datetime(2025, 2, 10, tzinfo=UTC))]) == 1
    assert search_ids(backend, "type:briefing") == {"note:downstream-briefing"}
    assert search_ids(backend, "type:recommendation") == {"note:csddd-asks"}
    assert search_ids(backend, '"due diligence" type:recommendation') == {"note:csddd-asks"}
    assert search_ids(backend, '"supervisory authority" type:recommendation') == {"note:csddd-asks"}  # an ask
    assert search_ids(backend, "downstream type:recommendation") == {"note:csddd-asks"}
    assert search_ids(backend, "topic:due-diligence type:recommendation") == {"note:csddd-asks"}
    # Its asks' targets are its dossiers and acts.
    assert "note:csddd-asks" in search_ids(backend, "procedure:2022/0051(COD)")
    assert "note:csddd-asks" in search_ids(backend, "celex:32024L1760")
    hit = backend.search("type:recommendation").hits[0]
    assert (hit.kind, hit.doc_type, hit.procedure, hit.topics) == (
        "note",
        "recommendation",
        "2022/0051(COD)",
        ("due-diligence",),
    )


def test_facets_follow_filters(backend):
    facets = {f.name: dict(f.counts) for f in backend.search("type:regulation", facets=True).facets}
    assert facets["type"] == {"regulation": 3}
    assert facets["year"] == {"2024": 1, "2023": 1, "2017": 1}


def test_stage_filter_takes_the_stage_facet_values(backend):
    stages = {f.name: dict(f.counts) for f in backend.search("", facets=True).facets}["stage"]
    assert stages == {"Procedure completed": 1, "Awaiting Parliament's position in 1st reading": 1}
    for stage in stages:
        assert {h.id for h in backend.search(f'stage:"{stage}"').hits} == {
            "Procedure completed": {"proc:2022/0051(COD)"},
            "Awaiting Parliament's position in 1st reading": {"proc:2023/0079(CNS)"},
        }[stage]
    assert search_ids(backend, 'due -stage:"Procedure completed"') == search_ids(backend, "due") - {
        "proc:2022/0051(COD)"
    }
    assert search_ids(backend, 'stage:"procedure completed"') == set()  # exact, as the facet shows it


def test_sort_by_date_and_pagination(backend):
    newest = backend.search("", sort="date", per_page=3)
    assert [h.id for h in newest.hits] == ["note:downstream-briefing", "proc:2022/0051(COD)", "celex:32024L1760"]
    oldest = backend.search("", sort="oldest", per_page=2)
    assert [h.id for h in oldest.hits] == ["celex:32014L0024", "celex:32017R0821"]
    pages = [backend.search("", sort="date", per_page=5, page=p) for p in (1, 2, 3, 4)]
    assert [len(p.hits) for p in pages] == [5, 5, 2, 0]
    assert all(p.total == ALL for p in pages)
    seen = [h.id for p in pages for h in p.hits]
    assert len(seen) == len(set(seen)) == ALL


def test_relevance_is_default_and_scores_descend(backend):
    hits = backend.search("due diligence downstream").hits
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0


@pytest.mark.parametrize("kwargs", [{"page": 0}, {"per_page": 0}, {"per_page": 100_000}, {"sort": "title"}])
def test_bad_paging_arguments(backend, kwargs):
    with pytest.raises(IndexerError):
        backend.search("repair", **kwargs)


def test_changed_since(backend):
    since = T_OLD + timedelta(days=1)
    assert search_ids(backend, "due diligence", changed_since=since) == {"ep:A-9-2023-0184", "note:downstream-briefing"}
    assert set(backend.ids("due diligence", changed_since=since)) == {"ep:A-9-2023-0184", "note:downstream-briefing"}
    assert search_ids(backend, "", changed_since=T_NEW + timedelta(seconds=1)) == set()


def test_ids_returns_every_match(backend):
    assert set(backend.ids("")) == search_ids(backend, "")
    assert list(backend.ids("celex:32017R0821")) == ["celex:32017R0821"]


def test_reindexing_an_item_replaces_it(backend):
    changed = datetime(2025, 4, 1, tzinfo=UTC)
    new = Document(
        id="celex:32017R0821",
        title="Conflict minerals regulation, consolidated",
        source="eurlex",
        doc_type="regulation",
        celex="32017R0821",
        date=date(2017, 5, 17),
        text="Smelters and refiners.",
    )
    assert backend.index([(new, changed)]) == 1
    assert backend.count() == ALL
    assert search_ids(backend, "tantalum") == set()
    assert search_ids(backend, "smelters") == {"celex:32017R0821"}
    assert search_ids(backend, "", changed_since=changed) == {"celex:32017R0821"}
    assert search_ids(backend, "topic:due-diligence celex:32017R0821") == set()


def test_delete(backend):
    backend.delete(["celex:32017R0821", "no:such-id"])
    assert backend.count() == ALL - 1
    assert search_ids(backend, "tantalum") == set()


def test_rebuild_replaces_the_whole_index(backend, corpus_items):
    assert backend.index(corpus_items[:3], rebuild=True) == 3
    assert backend.count() == 3
    assert search_ids(backend, "tantalum") == set()
    assert search_ids(backend, "ecodesign") == {"celex:32024R1781"}


def test_empty_index_answers(empty_backend):
    assert empty_backend.index([]) == 0  # built, with nothing in it (a missing index is an error)
    assert empty_backend.count() == 0
    result = empty_backend.search("repair", facets=True)
    assert result.total == 0 and result.hits == ()
    assert list(empty_backend.ids("repair")) == []


NASTY = st.lists(
    st.sampled_from(
        [
            *list("ab ()\"*-:^~{}[]\\/&|!+?.,'`;=<>é"),
            " AND ",
            " OR ",
            " NOT ",
            "NEAR",
            "forced",
            "labour",
            "celex:",
            "type:",
            "date:",
            "2024",
            "..",
        ]
    ),
    max_size=25,
).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=NASTY)
def test_fuzzed_queries_give_results_or_query_errors(backend, query):
    try:
        result = backend.search(query, facets=True, per_page=5)
    except QueryError as e:
        assert 0 <= e.position <= len(query)
        return
    assert 0 <= result.total <= ALL and len(result.hits) <= 5


# --------------------------------------------------------------------------- hits inside acts
# The real Official Journal texts of the CSDDD and the Batteries Regulation (Cellar XHTML, read by
# the real parser), and a hand-made act whose words sit in different parts.

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "cellar-texts"


def real_act(celex: str) -> Document:
    from spiders.parsers.cellar_text import parse_text

    body = (REAL / f"{celex}_EN_OJ_cellar.xhtml").read_bytes()
    (doc,) = parse_text(body, f"http://publications.europa.eu/resource/celex/{celex}")
    return doc.replace(topics=("due-diligence",))


def parted_act(*sections: Section) -> Document:
    return Document(
        id="celex:32099L0001",
        title="Directive (EU) 2099/1 on hand-made parts",
        source="cellar",
        doc_type="directive",
        celex="32099L0001",
        text="\n".join(s.text for s in sections),
        sections=sections,
    )


@pytest.fixture
def acts(empty_backend):
    when = datetime(2025, 3, 3, tzinfo=UTC)
    empty_backend.index([(real_act("32024L1760"), when), (real_act("32023R1542"), when)])
    return empty_backend


def test_a_match_inside_an_article_names_the_act_its_article_and_point(acts):
    result = acts.search("downstream", facets=True)
    hits = {h.id: h for h in result.hits}
    assert set(hits) == {"celex:32024L1760", "celex:32023R1542"}
    csddd = hits["celex:32024L1760"]
    # Article 3(1)(g)(ii): "activities of a company's downstream business partners related to
    # the distribution, transport and storage of a product" (the definition of the chain of
    # activities); the article comes before the recitals that also say "downstream".
    assert (csddd.section, csddd.anchor) == ("Article 3(1), point (g)(ii)", "art_3")
    assert csddd.sections_total == 5  # Article 3, Recitals 25, 26, 46 and 54
    # Articles first, then recitals, each in the act's order.
    assert [(s.label, s.anchor, s.kind) for s in csddd.sections] == [
        ("Article 3(1), point (g)(ii)", "art_3", "article"),
        ("Recital 25", "rct_25", "recital"),
        ("Recital 26", "rct_26", "recital"),
    ]
    first = csddd.sections[0]
    assert "«downstream» business partners" in first.snippet and first.snippet.startswith("…")
    batteries = hits["celex:32023R1542"]
    assert batteries.sections_total == 2
    assert {(s.label, s.anchor) for s in batteries.sections} == {
        ("Article 49(2)", "art_49"),
        ("Article 52(2)", "art_52"),
    }
    # Documents are what is counted: two acts, whatever the number of their parts.
    assert result.total == 2 and acts.count() == 2
    assert dict(next(f for f in result.facets if f.name == "type").counts) == {"directive": 1, "regulation": 1}


def test_sections_follow_the_words_not_the_filters(acts):
    assert acts.search("downstream type:directive").hits[0].anchor == "art_3"
    assert acts.search("downstream -lithium").hits[0].anchor == "art_3"  # NOT narrows the parts too
    whole = acts.search("celex:32024L1760").hits[0]  # no words: the document, no part
    assert (whole.section, whole.sections, whole.sections_total) == ("", (), 0)
    either = acts.search("downstream OR celex:32024L1760").hits  # words mixed with a filter: no part
    assert all(h.sections == () for h in either)


def test_a_part_whose_heading_holds_the_words_comes_first(acts):
    hit = acts.search('"carbon footprint" type:regulation').hits[0]
    assert hit.id == "celex:32023R1542"
    # Article 7 "Carbon footprint of electric vehicle batteries…" and Annex II "Carbon
    # footprint" lead, before Article 3 (the definitions) that comes earlier in the act.
    assert [s.anchor for s in hit.sections] == ["art_7", "anx_II", "art_3"]
    assert hit.sections[1].label == "Annex II"
    title = acts.search("definitions type:directive").hits[0]  # "Definitions": the heading of Article 3
    assert "art_3" in {s.anchor for s in title.sections}


def test_words_in_different_parts_find_the_document_but_no_part(empty_backend):
    act = parted_act(
        Section("article", "1", "art_1", "Subject matter", "1. Alpha rules apply.\n2. Beta rules too."),
        Section("recital", "1", "rct_1", "", "Gamma is explained here."),
    )
    empty_backend.index([(act, datetime(2025, 3, 3, tzinfo=UTC))])
    both = empty_backend.search("beta gamma").hits
    assert [h.id for h in both] == ["celex:32099L0001"] and both[0].sections == ()
    beta = empty_backend.search("beta").hits[0]
    assert (beta.section, beta.anchor, beta.sections_total) == ("Article 1(2)", "art_1", 1)


def test_reindexing_or_deleting_an_act_replaces_or_removes_its_parts(empty_backend):
    when = datetime(2025, 3, 3, tzinfo=UTC)
    first = parted_act(
        Section("article", "1", "art_1", "", "Alpha rules apply."),
        Section("article", "2", "art_2", "", "Beta rules apply."),
    )
    empty_backend.index([(first, when)])
    assert empty_backend.search("beta").hits[0].anchor == "art_2"
    # The new version moved beta into Article 1 and has no Article 2.
    second = parted_act(Section("article", "1", "art_1", "", "Alpha and beta rules apply."))
    empty_backend.index([(second, when + timedelta(days=1))])
    hit = empty_backend.search("beta").hits[0]
    assert (hit.anchor, hit.sections_total) == ("art_1", 1)
    assert empty_backend.count() == 1
    empty_backend.delete(["celex:32099L0001"])
    assert empty_backend.count() == 0 and empty_backend.search("beta").total == 0
    empty_backend.index([(second, when)], rebuild=True)
    assert empty_backend.search("beta").hits[0].anchor == "art_1"
