"""The pure merge: records of several sources in, one item with provenance and disagreements out."""

from __future__ import annotations

from datetime import date

from policytrack.merge import SourceRecord, contributions, document_facts, merge
from policytrack.model import Document, Event, KeyPlayer, Procedure

REF = "2022/0051(COD)"
OEIL_URL = "https://oeil.secure.europarl.europa.eu/oeil/en/procedure-file?reference=2022/0051(COD)"


def oeil(**changes) -> Procedure:
    """What the Legislative Observatory says of the CSDDD (as the replayed page gives it)."""
    proc = Procedure(
        id=f"proc:{REF}",
        reference=REF,
        title="Corporate sustainability due diligence and amending Directive (EU) 2019/1937",
        source="oeil",
        url=OEIL_URL,
        stage="Procedure completed",
        status="completed",
        events=(
            Event(date(2022, 2, 23), "Legislative proposal published", "European Commission", ("celex:52022PC0071",)),
            Event(date(2024, 6, 13), "Final act signed"),
            Event(date(2024, 7, 5), "Final act published in Official Journal"),
            Event(date(2027, 7, 26), "Deadline for transposition", "European Parliament", forecast=True),
        ),
        final_act="32024L1760",
        key_players=(
            KeyPlayer("other", "JURI Legal Affairs"),
            KeyPlayer("rapporteur", "WOLTERS Lara", "JURI", "S&D"),
        ),
    )
    return proc.replace(**changes)


def act(**changes) -> Document:
    """What EUR-Lex says of the adopted directive."""
    doc = Document(
        id="celex:32024L1760",
        title="Directive (EU) 2024/1760 on corporate sustainability due diligence",
        source="eurlex",
        url="https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:32024L1760",
        doc_type="directive",
        celex="32024L1760",
        procedure=REF,
        date=date(2024, 6, 13),
        dates={"publication": date(2024, 7, 5), "transposition": date(2027, 7, 26)},
        text="Article 1 Subject matter…",
    )
    return doc.replace(**changes)


def records(*items) -> list[SourceRecord]:
    """The records the store keeps for the procedure: what each item contributes to it."""
    out = []
    for item in items:
        for target, data, origin in contributions(item):
            if target == f"proc:{REF}":
                out.append(SourceRecord(item.source, data, origin))
    return out


def test_a_document_contributes_a_slim_record_to_each_procedure_it_names():
    press = Document(id="press:1", title="Press", source="ep-press", procedures=[REF, "2022/0269(COD)"], text="long")
    made = contributions(press)
    assert [(t, o) for t, _, o in made] == [
        ("press:1", ""),
        (f"proc:{REF}", "press:1"),
        ("proc:2022/0269(COD)", "press:1"),
    ]
    assert made[1][1].text == "" and made[0][1].text == "long"


def test_only_its_own_procedure_gets_a_documents_facts():
    assert document_facts(act(), REF)[1] == "32024L1760"
    assert document_facts(act(procedure=None, procedures=["2099/0001(COD)", REF]), REF) == ((), None)
    events, _ = document_facts(act(), REF)
    assert [(e.date.isoformat(), e.title) for e in events] == [
        ("2024-06-13", "Final act signed"),
        ("2024-07-05", "Final act published in Official Journal"),
    ]
    proposal = Document(
        id="celex:52022PC0071", title="Proposal", source="eurlex", doc_type="proposal", procedure=REF, date="2022-02-23"
    )
    assert [e.title for e in document_facts(proposal, REF)[0]] == ["Legislative proposal published"]
    # A corrigendum or a report is no adopted act.
    assert document_facts(act(id="celex:32024L1760R(01)", celex="32024L1760R(01)"), REF) == ((), None)
    assert document_facts(act(doc_type="report"), REF) == ((), None)


def test_the_timeline_is_the_union_with_duplicates_merged():
    cellar = Procedure(
        id=f"proc:{REF}",
        reference=REF,
        title="Procedure 2022/0051/COD",
        source="cellar",
        events=(
            Event(date(2022, 2, 23), "Adoption by Commission", "European Commission"),
            Event(date(2022, 2, 23), "Transmission to Council", "European Commission"),
            Event(date(2024, 7, 5), "Publication in the Official Journal", documents=("celex:32024L1760",)),
        ),
        final_act="32024L1760",
    )
    merged = merge(records(cellar, oeil(), act()))
    assert isinstance(merged, Procedure)
    steps = [(e.date.isoformat(), e.title, e.sources) for e in merged.events]
    assert steps == [
        ("2022-02-23", "Legislative proposal published", ("cellar", "oeil")),
        ("2022-02-23", "Transmission to Council", ("cellar",)),
        ("2024-06-13", "Final act signed", ("eurlex", "oeil")),
        # Worded by the Parliament's file, with every source's documents.
        ("2024-07-05", "Final act published in Official Journal", ("cellar", "eurlex", "oeil")),
        ("2027-07-26", "Deadline for transposition", ("oeil",)),
    ]
    assert merged.events[-2].documents == ("celex:32024L1760",)
    assert merged.events[0].actor == "European Commission"
    assert merged.events[-1].forecast
    assert merged.sources == ("cellar", "eurlex", "oeil")
    # Parliament first for the dossier itself.
    assert (merged.title, merged.url, merged.source) == (oeil().title, OEIL_URL, "oeil")
    assert merged.provenance["title"] == ("oeil",)
    assert merged.provenance["final_act"] == ("cellar", "eurlex", "oeil")
    assert (merged.stage, merged.status) == ("Procedure completed", "completed")
    assert merged.disagreements == ()


def test_recrawling_one_source_never_erases_what_another_gave():
    first = merge(records(oeil(), act()))
    # OEIL's page comes back with its key events gone (a broken page, a layout change).
    second = merge(records(oeil(events=(Event(date(2022, 2, 23), "Legislative proposal published"),)), act()))
    assert isinstance(first, Procedure) and isinstance(second, Procedure)
    kept = {(e.date, e.title) for e in second.events}
    assert (date(2024, 6, 13), "Final act signed") in kept  # EUR-Lex still says so
    assert (date(2024, 7, 5), "Final act published in Official Journal") in kept
    assert second.final_act == "32024L1760" and second.status == "completed"
    assert second.key_players == first.key_players


def test_disagreements_are_kept_and_the_precedence_source_shown():
    late = oeil(events=(*oeil().events[:2], Event(date(2024, 7, 4), "Final act published in Official Journal")))
    other_act = late.replace(final_act="32024L9999")
    merged = merge(records(other_act, act()))
    assert isinstance(merged, Procedure)
    by_field = {d.field: d for d in merged.disagreements}
    # The Official Journal gives the adopted act and the date of publication.
    assert merged.final_act == "32024L1760"
    assert by_field["final_act"].values == {"eurlex": "32024L1760", "oeil": "32024L9999"}
    assert by_field["final_act"].chosen == "eurlex"
    published = [e for e in merged.events if "Official Journal" in e.title]
    assert [e.date for e in published] == [date(2024, 7, 5)]
    assert by_field["date of publication"].values == {"eurlex": "2024-07-05", "oeil": "2024-07-04"}
    assert by_field["date of publication"].chosen == "eurlex"


def test_an_end_a_source_states_against_the_timeline_is_a_disagreement():
    # A source still saying "ongoing" has not seen the end yet: no disagreement.
    behind = oeil(status="ongoing", stage="Awaiting signature of act", events=oeil().events[:1], final_act=None)
    merged = merge(records(behind, act()))
    assert isinstance(merged, Procedure)
    assert merged.status == "completed" and merged.disagreements == ()
    # A source stating an end the timeline does not show disagrees, and is shown so.
    lapsed = oeil(status="lapsed", stage="Procedure lapsed or withdrawn", events=oeil().events[:1], final_act=None)
    merged = merge(records(lapsed, act()))
    assert isinstance(merged, Procedure)
    assert merged.status == "completed"
    assert {d.field: d.values for d in merged.disagreements}["status"] == {"oeil": "lapsed", "timeline": "completed"}


def test_key_players_from_every_source_once_each():
    api = Procedure(
        id=f"proc:{REF}",
        reference=REF,
        title="Corporate sustainability due diligence",
        source="ep-odp",
        key_players=(
            KeyPlayer("rapporteur", "Wolters Lara", "JURI", "Renew"),
            KeyPlayer("shadow rapporteur", "VOSS Axel", "JURI", "EPP"),
        ),
    )
    merged = merge(records(api, oeil()))
    assert isinstance(merged, Procedure)
    assert [str(k) for k in merged.key_players] == [
        "JURI Legal Affairs",
        "WOLTERS Lara (S&D), rapporteur, JURI",
        "VOSS Axel (EPP), shadow rapporteur, JURI",
    ]
    assert merged.provenance["key_players"] == ("oeil", "ep-odp")
    assert {d.field: d.values for d in merged.disagreements}["group of WOLTERS Lara"] == {
        "oeil": "S&D",
        "ep-odp": "Renew",
    }


def test_documents_alone_make_no_dossier():
    assert merge(records(act())) is None


def test_merge_is_independent_of_record_order():
    rs = records(oeil(), act(), act(id="celex:52022PC0071", celex="52022PC0071", doc_type="proposal", dates={}))
    assert merge(rs) == merge(list(reversed(rs)))


def test_a_document_from_several_sources():
    cellar = Document(
        id="celex:32024L1760",
        title="DIRECTIVE (EU) 2024/1760",
        source="cellar",
        url="https://publications.europa.eu/resource/celex/32024L1760",
        doc_type="directive",
        celex="32024L1760",
        eli="http://data.europa.eu/eli/dir/2024/1760/oj",
        date=date(2024, 6, 13),
        dates={"publication": date(2024, 7, 5), "entry_into_force": date(2024, 7, 25)},
        eurovoc=("human rights", "corporate social responsibility"),
        procedures=(REF,),
    )
    eurlex = act(dates={"publication": date(2024, 7, 6)}, eurovoc=("Human rights",))
    merged = merge([SourceRecord("eurlex", eurlex), SourceRecord("cellar", cellar)])
    assert isinstance(merged, Document)
    # A readable page for the title and the link; the registry for the facts.
    assert (merged.title, merged.source, merged.url) == (eurlex.title, "eurlex", eurlex.url)
    assert merged.eli == "http://data.europa.eu/eli/dir/2024/1760/oj"
    assert merged.dates == {"entry_into_force": date(2024, 7, 25), "publication": date(2024, 7, 5)}
    assert merged.text == eurlex.text and merged.provenance["text"] == ("eurlex",)
    assert merged.eurovoc == ("human rights", "corporate social responsibility")
    assert [(d.field, d.values, d.chosen) for d in merged.disagreements] == [
        ("dates.publication", {"cellar": "2024-07-05", "eurlex": "2024-07-06"}, "cellar")
    ]
    assert merged.sources == ("cellar", "eurlex") and merged.procedure == REF


def test_the_structured_official_text_survives_a_page_without_it_in_either_order():
    from policytrack.model import Section

    sections = (Section("article", "1", "art_1", "Subject matter", "This Directive lays down rules"),)
    cellar = Document(
        id="celex:32024L1760", title="Directive (EU) 2024/1760", source="cellar", text="Whole text", sections=sections
    )
    page = Document(
        id="celex:32024L1760",
        title="Directive (EU) 2024/1760",
        source="eurlex",
        text="plain page text",
        dates={"transposition": "2027-07-26"},
    )
    for records in (
        [SourceRecord("cellar", cellar), SourceRecord("eurlex", page)],
        [SourceRecord("eurlex", page), SourceRecord("cellar", cellar)],
    ):
        merged = merge(records)
        assert isinstance(merged, Document)
        assert (merged.text, merged.sections) == ("Whole text", sections)
        assert merged.provenance["sections"] == ("cellar",) and merged.provenance["text"] == ("cellar",)
        assert merged.dates["transposition"].isoformat() == "2027-07-26"  # the page's facts are kept too
    # without a structured text, a page's plain text is the text
    only_page = merge([SourceRecord("eurlex", page)])
    assert isinstance(only_page, Document) and only_page.text == "plain page text" and only_page.sections == ()


def test_one_person_or_committee_named_two_ways_is_one_key_player():
    from policytrack.model import KeyPlayer

    base = Procedure(id=f"proc:{REF}", reference=REF, title="CSDDD", source="oeil")
    from_oeil = base.replace(
        key_players=(
            KeyPlayer("committee responsible", "JURI Legal Affairs", committee="JURI"),
            KeyPlayer("rapporteur", "WOLTERS Lara", committee="JURI", group="S&D"),
        )
    )
    from_api = base.replace(
        source="ep-odp",
        key_players=(
            KeyPlayer("committee responsible", "JURI"),
            KeyPlayer("rapporteur", "Lara WOLTERS", committee="JURI", group="S&D"),
            KeyPlayer("shadow rapporteur", "Axel VOSS", committee="JURI", group="EPP"),
        ),
    )
    merged = merge([SourceRecord("ep-odp", from_api), SourceRecord("oeil", from_oeil)])
    assert isinstance(merged, Procedure)
    # OEIL's names come first (Parliament's file), each player once
    assert [(k.role, k.name) for k in merged.key_players] == [
        ("committee responsible", "JURI Legal Affairs"),
        ("rapporteur", "WOLTERS Lara"),
        ("shadow rapporteur", "Axel VOSS"),
    ]
