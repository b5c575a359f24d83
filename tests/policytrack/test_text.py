"""The one rule for text entering the model (policytrack/text.py) and where it applies."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policytrack.model import Document, Event, Procedure, Topic, item_from_dict
from policytrack.text import clean, is_clean

# Any character, and often the ones the rule is about: lone surrogates (which Hypothesis never
# generates by itself), controls, bidi characters and the white space that stays.
ANY_CHARACTER = st.one_of(
    st.characters(),
    st.integers(0xD800, 0xDFFF).map(chr),
    st.sampled_from(list("\x00\x1b\x7f\x85\x9f\u202a\u202e\u2066\u2069\u200e\t\n\r\xa0\u2019")),
)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Directive (EU) 2024/1760", "Directive (EU) 2024/1760"),
        ("half \ud800 a character", "half \ufffd a character"),
        ("low \udfff too", "low \ufffd too"),
        ("\x1b[31mred\x1b[0m", "[31mred[0m"),  # ESC removed: no terminal escape survives
        ("evil\u202etxt.exe", "eviltxt.exe"),  # right-to-left override removed
        ("\u2066isolate\u2069 \u202aembed\u202c", "isolate embed"),
        ("a\x00b\x07c\x7fd\x85e", "abcde"),  # NUL, BEL, DEL, C1
        ("tab\tline\nreturn\r", "tab\tline\nreturn\r"),  # white space kept
        ("\u200fmark\u200e", "\u200fmark\u200e"),  # plain direction marks change no order
        ("grüße — «ok» 😀", "grüße — «ok» 😀"),
    ],
)
def test_clean_removes_and_replaces(raw, expected):
    assert clean(raw) == expected
    assert is_clean(expected)
    expected.encode("utf-8")  # storable


@given(st.text(alphabet=ANY_CHARACTER))
def test_clean_is_idempotent_and_always_encodable(text):
    once = clean(text)
    assert clean(once) == once
    once.encode("utf-8")


def test_plain_text_is_returned_as_is():
    text = "Corporate sustainability due diligence " * 100
    assert clean(text) is text  # the fast path: no copy


def test_every_text_field_of_an_item_is_cleaned():
    bad = "Due \ud800dili\x1bgence\u202e"
    doc = Document(
        id="celex:32024L1760",
        title=bad,
        source="cellar",
        summary=bad,
        text=bad,
        authors=[bad],
        subjects=[bad],
    )
    for value in (doc.title, doc.summary, doc.text, doc.authors[0], doc.subjects[0]):
        assert value == "Due \ufffddiligence"
    doc.to_json().encode("utf-8")
    proc = Procedure(
        id="proc:2022/0051(COD)",
        reference="2022/0051(COD)",
        title="CSDDD",
        source="oeil",
        stage=bad,
        events=[Event(date="2024-01-01", title=bad, actor=bad)],
        key_players=[{"role": "rapporteur", "name": bad}],
    )
    assert proc.stage == proc.events[0].title == proc.events[0].actor == proc.key_players[0].name
    assert proc.stage == "Due \ufffddiligence"
    assert item_from_dict(json.loads(proc.to_json())) == proc
    assert Topic(slug="t", title="Repair\x1b").title == "Repair"


def test_a_text_of_nothing_but_controls_is_empty():
    with pytest.raises(Exception, match="field 'title'"):
        Document(id="press:1", title="\x1b\u202e", source="ep-press")


@given(st.text(alphabet=ANY_CHARACTER, max_size=50))
def test_the_fast_check_agrees_with_the_rule(text):
    from policytrack.text import _UNWANTED

    assert is_clean(text) == (_UNWANTED.search(text) is None)
    for c in ("\x85", "\u202e", "\u2069", "\ud800", "\x1b", "\x7f"):
        assert not is_clean(text + c) and not is_clean(c + text)
