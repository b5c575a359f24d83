from __future__ import annotations

from policytrack.config import load_settings
from policytrack.model import Document, Note, Procedure
from policytrack.topics import item_topics, matching_topics, note_topics, topics_fingerprint


def topics(tmp_path):
    return load_settings(env={}, cwd=tmp_path).topics


def test_watched_identifiers_and_keywords(tmp_path):
    t = topics(tmp_path)
    # Watched CELEX, via its consolidated version.
    assert matching_topics(
        Document(
            id="celex:02024L1760-20250417", title="Consolidated text", source="eurlex", celex="02024L1760-20250417"
        ),
        t,
    ) == ("due-diligence",)
    # Watched procedure.
    assert matching_topics(
        Procedure(id="proc:2023/0083(COD)", reference="2023/0083(COD)", title="Common rules", source="oeil"), t
    ) == ("circular-electronics",)
    # Keyword, whole words only, case-insensitive.
    assert matching_topics(Document(id="x:1", title="Rules on Public Procurement of IT", source="feed"), t) == (
        "public-procurement",
    )
    assert matching_topics(Document(id="x:2", title="Procurements are not a word boundary", source="feed"), t) == ()
    # EuroVoc concept.
    assert matching_topics(Document(id="x:3", title="t", source="cellar", eurovoc=["Electronic waste"]), t) == (
        "circular-electronics",
    )
    # ...by label or by concept URI (the EP Open Data API names concepts by URI only).
    uri = Document(id="x:4", title="t", source="ep-odp", eurovoc=["http://eurovoc.europa.eu/c_4c7717f3"])
    assert matching_topics(uri, t) == ("public-procurement",)
    note = Note(
        id="note:n",
        slug="n",
        note_type="briefing",
        title="t",
        date="2025-01-01",
        celex=["32014L0024"],
        procedures=["2022/0051(COD)"],
    )
    assert matching_topics(note, t) == ("due-diligence", "public-procurement")


def test_item_topics_is_own_matches_plus_dossier_topics(tmp_path):
    t = topics(tmp_path)
    # Topics an item carried before (a stale tag, an unknown slug) are not kept: the rule decides.
    d = Document(
        id="ep:A-9-2024-0001", title="Report", source="ep", procedures=["2099/0001(COD)"], topics=["mine", "x"]
    )
    assert item_topics(d, t) == ()
    # A document belongs to the topics of its dossiers; unknown slugs are dropped; config order.
    assert item_topics(d, t, [("public-procurement", "nope"), ("due-diligence",)]) == (
        "due-diligence",
        "public-procurement",
    )
    # Its own match and its dossier's add up, once each.
    e = d.replace(title="Ecodesign report")
    assert item_topics(e, t, [("circular-electronics",), ("due-diligence",)]) == (
        "due-diligence",
        "circular-electronics",
    )


def test_note_topics_keep_the_authors_and_add_the_dossiers(tmp_path):
    t = topics(tmp_path)
    note = Note(
        id="note:n",
        slug="n",
        note_type="briefing",
        title="A note",
        date="2025-01-01",
        topics=["public-procurement", "unknown-topic"],
        asks=[{"text": "Do it", "target": "2099/0002(COD)", "procedure": "2099/0002(COD)"}],
    )
    assert note_topics(note, t, {"2099/0002(COD)": ("circular-electronics",)}) == (
        "circular-electronics",
        "public-procurement",
    )
    assert note_topics(note, t, {}) == ("public-procurement",)


def test_fingerprint_moves_with_the_configuration(tmp_path):
    t = topics(tmp_path)
    assert topics_fingerprint(t) == topics_fingerprint(tuple(t))
    changed = (t[0].__class__(**{**t[0].to_dict(), "keywords": ("new words",)}), *t[1:])
    assert topics_fingerprint(changed) != topics_fingerprint(t)


def test_corrigendum_of_a_watched_act_is_tagged(tmp_path):
    corr = Document(id="celex:32024L1760R(01)", title="Corrigendum", source="eurlex", celex="32024L1760R(01)")
    assert matching_topics(corr, topics(tmp_path)) == ("due-diligence",)
