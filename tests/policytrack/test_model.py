"""Items validate on creation, name the failing field, and survive a JSON round trip."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policytrack.errors import ValidationError
from policytrack.model import (
    Ask,
    Document,
    Event,
    KeyPlayer,
    Note,
    Procedure,
    Section,
    Topic,
    item_from_dict,
    items_from_jsonl,
)
from policytrack.text import clean


def csddd() -> Procedure:
    return Procedure(
        id="proc:2022/0051(COD)",
        reference="2022/0051(COD)",
        title="Corporate Sustainability Due Diligence",
        source="oeil",
        stage="Procedure completed",
        status="completed",
        final_act="32024L1760",
        events=[
            {"date": "2024-06-13", "title": "Final act signed", "actor": "European Parliament"},
            Event(
                date(2022, 2, 23),
                "Legislative proposal published",
                "European Commission",
                documents=("celex:52022PC0071",),
            ),
        ],
    )


def test_procedure_normalises_and_sorts():
    p = csddd()
    assert [e.title for e in p.events] == ["Legislative proposal published", "Final act signed"]
    assert p.type == "COD" and p.type_name == "ordinary legislative procedure"
    assert p.upcoming(date(2024, 1, 1))[0].title == "Final act signed"
    assert p.past(date(2024, 1, 1))[0].documents == ("celex:52022PC0071",)


def test_procedure_id_follows_reference():
    p = Procedure(id="proc:2022/51/COD", reference="2022-0051-cod", title="t", source="oeil")
    assert p.id == "proc:2022/0051(COD)" and p.reference == "2022/0051(COD)"
    with pytest.raises(ValidationError, match="field 'id'"):
        Procedure(id="proc:2023/0001(COD)", reference="2022/0051(COD)", title="t", source="oeil")


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"id": "no-scheme"}, "id"),
        ({"title": "   "}, "title"),
        ({"doc_type": "memo"}, "doc_type"),
        ({"celex": "not-a-celex"}, "celex"),
        ({"procedure": "2022/0051"}, "procedure"),  # no type: not canonical
        ({"date": "13/06/2024"}, "date"),
        ({"dates": {"transposition": "soon"}}, "dates.transposition"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"authors": "x" and [1]}, "authors"),
        ({"language": "english"}, "language"),
        ({"eli": "http://example.org/x"}, "eli"),
        ({"title": "\x00\x1b"}, "title"),  # nothing left once cleaned (policytrack/text.py)
    ],
)
def test_document_rejects_bad_fields(changes, field):
    data = {"id": "celex:32024L1760", "title": "Directive (EU) 2024/1760", "source": "eurlex", **changes}
    with pytest.raises(ValidationError) as exc:
        Document(**data)
    assert exc.value.field == field
    assert f"field '{field}'" in str(exc.value)


def test_unknown_field_and_kind_rejected():
    with pytest.raises(ValidationError, match="'colour' is not a known field"):
        item_from_dict({"kind": "document", "id": "a:b", "title": "t", "source": "s", "colour": "red"})
    with pytest.raises(ValidationError, match="field 'kind'"):
        item_from_dict({"kind": "memo", "id": "a:b"})
    with pytest.raises(ValidationError, match="must be an object"):
        item_from_dict(["not", "a", "dict"])  # type: ignore[arg-type]


def test_json_round_trip_of_each_kind():
    doc = Document(
        id="celex:32024L1760",
        title="Directive (EU) 2024/1760",
        source="eurlex",
        doc_type="directive",
        celex="32024L1760",
        eli="http://data.europa.eu/eli/dir/2024/1760/oj",
        procedure="2022/0051(COD)",
        date="2024-06-13",
        dates={"transposition": "2026-07-26"},
        topics=["due-diligence"],
    )
    note = Note(
        id="note:csddd",
        slug="csddd",
        note_type="recommendation",
        title="Fix the CSDDD",
        date="2025-03-01",
        procedures=["2022/51/COD"],
        celex=["CELEX:32024L1760"],
        asks=[{"text": "Keep downstream", "target": "32024L1760 Art. 3", "celex": "32024L1760"}],
    )
    for item in (doc, csddd(), note):
        text = json.dumps(item.to_dict())
        again = item_from_dict(json.loads(text))
        assert again == item
        assert again.content_hash() == item.content_hash()
    assert note.procedures == ("2022/0051(COD)",) and isinstance(note.asks[0], Ask)
    assert list(items_from_jsonl([doc.to_json(), "", csddd().to_json()])) == [doc, csddd()]


def test_content_hash_changes_with_content():
    p = csddd()
    assert p.replace(stage="Awaiting signature").content_hash() != p.content_hash()


def test_topic_and_ask_validation():
    with pytest.raises(ValidationError, match="field 'slug'"):
        Topic(slug="Due Diligence", title="x")
    with pytest.raises(ValidationError, match="field 'status'"):
        Ask(text="x", target="32024L1760", status="pending")


@given(st.text(min_size=1, max_size=200).filter(lambda t: clean(t).strip()))
def test_any_title_round_trips(title):
    doc = Document(id="press:1", title=title, source="ep-press", doc_type="press release")
    assert item_from_dict(json.loads(doc.to_json())) == doc


def test_key_players_are_structured_and_old_strings_still_read():
    from policytrack.model import KeyPlayer

    proc = Procedure(
        id="proc:2022/0051(COD)",
        reference="2022/0051(COD)",
        title="CSDDD",
        source="oeil",
        key_players=[
            "JURI committee",  # what a store of the first release holds
            {"role": "Rapporteur", "name": "Lara  WOLTERS", "committee": "JURI", "group": "S&D"},
            KeyPlayer("rapporteur", "Lara WOLTERS", committee="JURI", group="S&D"),  # the same, once
        ],
    )
    assert proc.key_players == (
        KeyPlayer("other", "JURI committee"),
        KeyPlayer("rapporteur", "Lara WOLTERS", "JURI", "S&D"),
    )
    assert str(proc.key_players[1]) == "Lara WOLTERS (S&D), rapporteur, JURI"
    assert item_from_dict(proc.to_dict()) == proc
    with pytest.raises(ValidationError, match="field 'role'"):
        KeyPlayer("lobbyist", "X")
    with pytest.raises(ValidationError, match="field 'name' is required"):
        KeyPlayer("rapporteur", " ")


def test_a_document_keeps_every_procedure_it_names_its_own_first():
    doc = Document(id="press:1", title="Vote", source="ep-press", procedures=["COD/2023/0083", "2022/0051(COD)"])
    assert doc.procedure == "2023/0083(COD)"
    assert doc.procedures == ("2023/0083(COD)", "2022/0051(COD)")
    doc = Document(
        id="press:2", title="Vote", source="ep-press", procedure="2022/0051(COD)", procedures=["2023/0083(COD)"]
    )
    assert doc.procedures == ("2022/0051(COD)", "2023/0083(COD)")
    with pytest.raises(ValidationError, match="field 'procedures'"):
        Document(id="press:3", title="Vote", source="ep-press", procedures=["not a procedure"])


def test_document_sections_round_trip_and_old_json_reads():
    doc = Document(
        id="celex:32024L1760",
        title="Directive (EU) 2024/1760",
        source="cellar",
        text="Whole text",
        sections=[
            {"kind": "article", "number": "3", "anchor": "art_3", "heading": "Definitions", "text": "(g) ..."},
            Section("annex", "I", "anx_\xa0I", "EUROPEAN REPAIR INFORMATION FORM"),
        ],
    )
    assert [s.label() for s in doc.sections] == ["Article 3", "Annex I"]
    again = item_from_dict(json.loads(doc.to_json()))
    assert again == doc and again.sections[1].anchor == "anx_\xa0I"  # the id as the XHTML has it
    old = {k: v for k, v in doc.to_dict().items() if k != "sections"}  # a store of the first release
    assert item_from_dict(old).sections == ()


@pytest.mark.parametrize(
    "section, field",
    [
        ({"kind": "chapter", "number": "1", "anchor": "cpt_1"}, "kind"),
        ({"kind": "article", "number": "1", "anchor": ""}, "anchor"),
        ({"kind": "article", "number": "1", "anchor": "art 1#x"}, "anchor"),
    ],
)
def test_bad_sections_name_the_field(section, field):
    with pytest.raises(ValidationError, match=f"field '{field}'"):
        Document(id="celex:32024L1760", title="t", source="cellar", sections=[section])
    twice = [{"kind": "article", "number": "1", "anchor": "art_1"}] * 2
    with pytest.raises(ValidationError, match="anchors must be unique"):
        Document(id="celex:32024L1760", title="t", source="cellar", sections=twice)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"title": 5}, "title"),  # (a NUL is cleaned away on the way in, not refused: test_text.py)
        ({"title": "   "}, "title"),
        ({"title": "\x00\x1b"}, "title"),  # nothing left once cleaned
        ({"actor": "x" * 501}, "actor"),
        ({"documents": ("ep:A-1", 5)}, "documents"),
        ({"documents": ("ep:A-1", ["unhashable"])}, "documents"),  # a tuple checked through the cache
        ({"documents": 0}, "documents"),  # falsy, but no list
        ({"sources": 0}, "sources"),
        ({"date": "2024-13-45"}, "date"),
    ],
)
def test_event_checks_hold_on_the_fast_paths(changes, field):
    """Events check their titles, actors and documents once per distinct value (a cache) and skip
    empty lists: what is wrong is still said, by field."""
    good = {"date": date(2024, 1, 2), "title": "Vote in committee", "actor": "European Parliament"}
    with pytest.raises(ValidationError) as e:
        Event(**{**good, **changes})
    assert e.value.field == field
    assert Event(**good, documents=("ep:A-1", " ep:A-1 ")).documents == ("ep:A-1",)  # cached, still deduplicated
    assert Event(**good, documents=[]).documents == () and Event(**good, sources=None).sources == ()


def test_key_players_hash_once_and_survive_pickling():
    import pickle

    player = KeyPlayer("shadow rapporteur", "Auke ZIJLSTRA", "INTA", "PfE")
    again = pickle.loads(pickle.dumps(player))
    assert again == player and hash(again) == hash(player) and again in {player}
    assert "_hash" not in pickle.dumps(player).decode("latin-1")  # (string hashes differ between processes)
    assert {player: 1}[KeyPlayer("shadow rapporteur", " Auke  ZIJLSTRA ", "INTA", "PfE")] == 1
    proc = Procedure(
        id="proc:2025/0260(COD)", reference="2025/0260(COD)", title="t", source="x", key_players=[player] * 2
    )
    assert proc.key_players == (player,) and "_hash" not in proc.to_json()
