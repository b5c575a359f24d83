"""The query language: the tree it parses to, its errors (with positions) and its compilers."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.errors import QueryError
from indexer.es_query import compile_es
from indexer.fts_query import compile_fts
from indexer.query import MAX_QUERY_LENGTH, And, Filter, MatchAll, Not, Or, Text, parse


def test_words_phrases_and_implicit_and():
    assert parse('"due diligence" AND downstream') == And((Text("due diligence", pos=0), Text("downstream", pos=20)))
    assert parse("due diligence") == And((Text("due", pos=0), Text("diligence", pos=4)))


def test_precedence_not_and_or():
    # NOT binds tighter than AND, AND tighter than OR.
    tree = parse("a b OR NOT c d")
    assert tree == Or((And((Text("a", pos=0), Text("b", pos=2))), And((Not(Text("c", pos=11)), Text("d", pos=13)))))


def test_parentheses_and_minus():
    assert parse("(repair OR ecodesign) -battery") == And(
        (Or((Text("repair", pos=1), Text("ecodesign", pos=11))), Not(Text("battery", pos=23)))
    )
    assert parse("-(a b)") == Not(And((Text("a", pos=2), Text("b", pos=4))))
    # a dash inside a word is part of it, not a negation
    assert parse("conflict-affected") == Text("conflict-affected", pos=0)


def test_lower_case_operators_are_words():
    assert parse("repair and reuse") == And((Text("repair", pos=0), Text("and", pos=7), Text("reuse", pos=11)))


def test_prefix():
    assert parse("ecodesign*") == Text("ecodesign", prefix=True, pos=0)
    assert parse('"sustainable prod"*') == Text("sustainable prod", prefix=True, pos=0)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("celex:32024L1760", Filter("celex", "32024L1760")),
        ("celex:celex%3A32024l1760", Filter("celex", "32024L1760")),
        ("procedure:2022/0051(COD)", Filter("procedure", "2022/0051(COD)")),
        ("procedure:COD/2022/0051", Filter("procedure", "2022/0051(COD)")),
        ("procedure:2022-51-cod", Filter("procedure", "2022/0051(COD)")),
        ("procedure:2022/51", Filter("procedure_prefix", "2022/0051(")),
        ("topic:Due-Diligence", Filter("topic", "due-diligence")),
        ("type:regulation", Filter("type", "regulation")),
        ('type:"staff working document"', Filter("type", "staff working document")),
        ("type:press-release", Filter("type", "press release")),
        ("type:cod", Filter("proctype", "COD")),
        ('author:"European  Commission"', Filter("author", "european commission")),
        ("year:2024", Filter("date", ("2024-01-01", "2024-12-31"))),
        ("year:2022..2024", Filter("date", ("2022-01-01", "2024-12-31"))),
        ("date:>=2024-01-01", Filter("date", ("2024-01-01", None))),
        ("date:>2024-01-31", Filter("date", ("2024-02-01", None))),
        ("date:<2024", Filter("date", (None, "2023-12-31"))),
        ("date:<=2024-02", Filter("date", (None, "2024-02-29"))),
        ("date:2022..2024", Filter("date", ("2022-01-01", "2024-12-31"))),
        ("date:2023-06-01..", Filter("date", ("2023-06-01", None))),
        ("date:2024-03-05", Filter("date", ("2024-03-05", "2024-03-05"))),
    ],
)
def test_field_filters(query, expected):
    assert parse(query) == Filter(expected.field, expected.value, 0)


def test_parentheses_around_a_procedure_reference():
    assert parse("(procedure:2022/0051(COD) OR ecodesign)") == Or(
        (Filter("procedure", "2022/0051(COD)", 1), Text("ecodesign", pos=29))
    )


def test_unknown_field_is_a_word():
    assert parse("https://eur-lex.europa.eu") == Text("https://eur-lex.europa.eu", pos=0)


def test_empty_query_matches_everything():
    assert parse("") == MatchAll()
    assert parse("   \t ") == MatchAll()


def test_punctuation_only_words_are_dropped():
    assert parse("repair & reuse") == And((Text("repair", pos=0), Text("reuse", pos=9)))
    assert parse("repair - reuse") == And((Text("repair", pos=0), Text("reuse", pos=9)))


@pytest.mark.parametrize(
    "query, position, fragment",
    [
        ("(repair", 0, "never closed"),
        ("repair)", 6, "')'"),
        ("AND repair", 0, "before"),
        ("repair OR", 7, "after"),
        ("repair AND OR x", 11, "followed by OR"),
        ("repair NOT", 7, "after"),
        ('"due diligence', 0, "unterminated quote"),
        ("a ()", 2, "empty parentheses"),
        ("celex:banana", 6, "not a CELEX number"),
        ("procedure:2022/0051(XYZ)", 10, "unknown procedure type"),
        ("type:regulaton", 5, "unknown type"),
        ("date:2024-13-01", 5, "not a real date"),
        ("date:soon", 5, "not a date"),
        ("year:2024-05", 5, "not a year"),
        ("date:2024..2022", 5, "start is after the end"),
        ("date:..", 5, "at least one end"),
        ("celex:", 0, "needs a value"),
        ("repair a*", 7, "too short"),
        ("*", 0, "must follow a word"),
        ("??? !!!", 0, "no letters or digits"),
        ("repair\x00", 6, "control character"),
    ],
)
def test_errors_point_at_the_problem(query, position, fragment):
    with pytest.raises(QueryError) as err:
        parse(query)
    assert err.value.position == position
    assert fragment in str(err.value)
    assert f"position {position + 1}" in str(err.value)
    assert err.value.pointer().splitlines()[1] == " " * position + "^"


def test_huge_inputs_are_refused_or_handled():
    with pytest.raises(QueryError, match="longer than"):
        parse("a" * (MAX_QUERY_LENGTH + 1))
    with pytest.raises(QueryError, match="more than 256 terms"):
        parse(" ".join(f"w{i}" for i in range(300)))
    with pytest.raises(QueryError, match="nested deeper"):
        parse("(" * 40 + "a" + ")" * 40)
    with pytest.raises(QueryError, match="nested deeper"):
        parse("NOT " * 40 + "a")
    long_word = "x" * 5000  # one long word is fine
    assert parse(long_word) == Text(long_word, pos=0)


def test_fts_compilation_quotes_every_word_and_parameterises_filters():
    comp = compile_fts(parse('repair ("due diligence" OR NEAR(x)) -battery type:directive'))
    # NEAR(...) is FTS5 syntax: here it is a plain phrase of the words "NEAR" and "x".
    assert comp.match == '("repair" AND ("due diligence" OR "NEAR x")) NOT ("battery")'
    assert comp.where == ["d.doc_type = ?"]
    assert "directive" not in " ".join(comp.where)
    assert "directive" in comp.params


def test_fts_compilation_of_negation_alone_uses_sql():
    comp = compile_fts(parse("-battery"))
    assert comp.match is None
    assert comp.where == ["NOT (d.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?))"]
    assert comp.params == ['"battery"']


def test_es_compilation_is_structured():
    dsl = compile_es(parse('title:x^2 "due diligence" -battery celex:32024L1760 ecodesign*'))
    text = json.dumps(dsl)
    assert "query_string" not in text and "simple_query_string" not in text
    must = dsl["bool"]["must"]
    # analysed as text, never Lucene syntax: as typed, or as its words
    assert [c["multi_match"]["query"] for c in must[0]["bool"]["should"]] == ["title:x^2", "title x 2"]
    assert {
        "multi_match": {
            "query": "ecodesign",
            "fields": ["title^10", "body", "meta^4"],
            "type": "phrase_prefix",
            "max_expansions": 200,
        }
    } in must
    assert dsl["bool"]["filter"] == [{"bool": {"filter": [{"term": {"celexes": "32024L1760"}}]}}]
    assert dsl["bool"]["must_not"][0]["multi_match"]["query"] == "battery"


NASTY = st.lists(
    st.sampled_from(
        [
            *list("abc ()\"*-:^~{}[]\\/&|!+?.,'`;=<>\x00"),
            " AND ",
            " OR ",
            " NOT ",
            "NEAR",
            "celex:",
            "date:",
            "type:",
            "2024",
            "..",
            "é",
            "ß",
        ]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(NASTY)
def test_parser_raises_only_query_errors(text):
    try:
        tree = parse(text)
    except QueryError as e:
        assert 0 <= e.position <= len(text)
        return
    comp = compile_fts(tree)
    for p in comp.params:
        assert isinstance(p, str)
    compile_es(tree)
