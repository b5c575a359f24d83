"""Naming a match inside an act: paragraph and point labels, snippets, the act's short name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from indexer.sections import act_name, citation, label_for, point_path, snippet_around

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "cellar-texts"


def _article(celex: str, anchor: str) -> str:
    from spiders.parsers.cellar_text import parse_text

    body = (REAL / f"{celex}_EN_OJ_cellar.xhtml").read_bytes()
    (doc,) = parse_text(body, f"http://publications.europa.eu/resource/celex/{celex}")
    return next(s.text for s in doc.sections if s.anchor == anchor)


def _at(text: str, words: str) -> str:
    return point_path(text, text.index(words))


@pytest.mark.parametrize(
    "celex, anchor, words, expected",
    [
        # CSDDD Article 3(1)(g)(ii): the downstream part of the chain of activities
        ("32024L1760", "art_3", "downstream business partners", "(1), point (g)(ii)"),
        ("32024L1760", "art_3", "‘chain of activities’ means", "(1), point (g)"),
        ("32024L1760", "art_3", "a legal person constituted as one", "(1), point (a)(i)"),
        # an indent ("—") under (a)(iii) belongs to it
        ("32024L1760", "art_3", "a credit institution", "(1), point (a)(iii)"),
        # (h) then (i), (u) then (v): letters, not Roman numerals
        ("32024L1760", "art_3", "‘SME’ means a micro", "(1), point (i)"),
        ("32024L1760", "art_3", "‘severity of an adverse impact’ means", "(1), point (v)"),
        ("32024L1760", "art_3", "‘business partner’ means", "(1), point (f)"),
        # Batteries Regulation: numbered points under a paragraph, a plain paragraph
        ("32023R1542", "art_3", "‘battery’ means any device", "(1), point (1)"),
        ("32023R1542", "art_52", "immediate downstream purchasers", "(2)"),
        # ESPR Article 2: numbered points without a numbered paragraph
        ("32024R1781", "art_2", "‘unsold consumer product’ means", ", point (37)"),
    ],
)
def test_points_of_real_articles(celex, anchor, words, expected):
    assert _at(_article(celex, anchor), words) == expected


def test_letters_that_are_roman_numerals():
    text = "\n".join(
        [
            "1. Definitions:",
            "(h) ‘h’ means this;",
            "(i) ‘i’ means that, including:",
            "(i) the first thing;",
            "(ii) the second thing;",
            "(j) ‘j’ means the last.",
        ]
    )
    assert _at(text, "‘i’ means") == "(1), point (i)"  # (h) then (i), and (j) follows it
    assert _at(text, "the first thing") == "(1), point (i)(i)"
    assert _at(text, "the second thing") == "(1), point (i)(ii)"
    assert _at(text, "‘j’ means") == "(1), point (j)"
    sub = "\n".join(["(h) ‘h’ means:", "(i) one;", "(ii) two;", "(j) ‘j’."])
    assert _at(sub, "one;") == ", point (h)(i)"  # (ii) comes next: (i) opens sub-points of (h)


def test_text_after_a_list_of_points_is_named_by_its_paragraph_only():
    text = "\n".join(
        [
            "1. Member States shall ensure that:",
            "(a) one;",
            "(b) two.",
            "The first subparagraph shall apply from 2027.",  # the point's, or the paragraph's?
            "2. Another paragraph.",
        ]
    )
    assert _at(text, "two.") == "(1), point (b)"
    assert _at(text, "first subparagraph") == "(1)"
    assert _at(text, "Another") == "(2)"
    assert point_path("No structure at all.", 3) == ""


def test_labels_and_snippets_from_marked_text():
    body = "1. Rules.\n2. Companies shall «map» their downstream partners."
    assert label_for("article", "Article 7", body, body.replace("«", "").replace("»", "")) == "Article 7(2)"
    assert label_for("recital", "Recital 7", body, body) == "Recital 7"  # no points in recitals
    assert label_for("article", "Article 7", "nothing marked", "nothing marked") == "Article 7"
    long = " ".join(f"w{i}" for i in range(200))
    marked = long.replace("w100", "«w100»")
    snip = snippet_around(marked)
    assert snip.startswith("…") and snip.endswith("…") and "«w100»" in snip and len(snip) < 200
    assert not re.search(r"\bw\d*…", snip.replace("…", " …"))  # whole words only
    assert snippet_around("short «text»") == "short «text»"
    unmarked = snippet_around(long)
    assert unmarked.startswith("w0 w1") and unmarked.endswith("…")


def test_act_names():
    title = "Directive (EU) 2024/1760 of the European Parliament and of the Council of 13 June 2024 on …"
    assert act_name(title) == "Directive (EU) 2024/1760"
    assert act_name("Directive 2014/24/EU of the European Parliament and of the Council") == "Directive 2014/24/EU"
    assert act_name("Regulation (EU) No 575/2013 of the European Parliament") == "Regulation (EU) No 575/2013"
    assert act_name("Commission Delegated Regulation (EU) 2023/1 supplementing …") == (
        "Commission Delegated Regulation (EU) 2023/1"
    )
    assert act_name("Parliament backs rules on repair") == "Parliament backs rules on repair"
    assert citation(title, "Article 3(1), point (g)(ii)") == "Directive (EU) 2024/1760, Article 3(1), point (g)(ii)"
    assert citation("A report", "") == "A report"
