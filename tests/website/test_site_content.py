"""The sample content shipped in site/content: it loads cleanly and its asks name their targets."""

from __future__ import annotations

import re
from pathlib import Path

from policytrack.content import load_content, references
from policytrack.resources import site_dir

# The 2014 and 2011 files are long closed: the notes name their acts, which the demo store holds.
KNOWN = {
    "2022/0051(COD)",
    "2022/0095(COD)",
    "2023/0083(COD)",
    "32024L1760",
    "32024R1781",
    "32024L1799",
    "32017R0821",
    "32014L0024",
}


def test_sample_content_loads_without_errors():
    notes, errors = load_content(site_dir() / "content")
    assert errors == []
    kinds = [n.note_type for n in notes]
    assert kinds.count("briefing") >= 3 and kinds.count("recommendation") >= 2 and "research" in kinds
    assert all(n.summary and n.authors and n.topics for n in notes)


def test_sample_content_covers_the_five_files_and_only_names_them():
    notes, _ = load_content(site_dir() / "content")
    named = {r.value for n in notes for r in references(n)}
    assert named == KNOWN


def test_every_ask_names_its_target_act_or_dossier_and_has_a_status():
    notes, _ = load_content(site_dir() / "content")
    asks = [a for n in notes for a in n.asks]
    assert len(asks) >= 8
    for ask in asks:
        ident = ask.procedure or ask.celex
        assert ident and ask.target.startswith(ident), ask
        if ask.celex:
            assert re.search(r"\b(Art\.|Annex)", ask.target), ask  # an article, not only the act
    assert {a.status for a in asks} >= {"open", "partly met", "met"}


def test_reference_lines_point_at_the_front_matter():
    notes, _ = load_content(site_dir() / "content")
    note = next(n for n in notes if n.slug == "procurement-ict")
    lines = note.source_file and Path(note.source_file).read_text(encoding="utf-8").splitlines()
    for ref in references(note):
        assert ref.value.split("(")[0] in lines[ref.line - 1]
