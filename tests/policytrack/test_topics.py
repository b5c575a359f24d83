from __future__ import annotations

from policytrack.config import load_settings
from policytrack.model import Document, Note, Procedure
from policytrack.topics import matching_topics, tag


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


def test_tag_keeps_existing_topics(tmp_path):
    d = Document(id="x:1", title="Ecodesign for sustainable products", source="feed", topics=["mine"])
    tagged = tag(d, topics(tmp_path))
    assert tagged.topics == ("mine", "circular-electronics")
    assert tag(tagged, topics(tmp_path)) is tagged


def test_corrigendum_of_a_watched_act_is_tagged(tmp_path):
    corr = Document(id="celex:32024L1760R(01)", title="Corrigendum", source="eurlex", celex="32024L1760R(01)")
    assert matching_topics(corr, topics(tmp_path)) == ("due-diligence",)
