"""Storing: an act's structured official text survives a later page that describes the act without it."""

from policytrack.model import Document, Procedure, Section
from spiders.pipelines import keep_full_text

SECTIONS = (Section("article", "1", "art_1", "Subject matter", "This Directive lays down rules"),)
CELLAR = Document(
    id="celex:32024L1760", title="Directive (EU) 2024/1760", source="cellar", text="Whole text", sections=SECTIONS
)
PAGE = Document(
    id="celex:32024L1760", title="Directive (EU) 2024/1760", source="eurlex", dates={"transposition": "2027-07-26"}
)


def test_a_page_without_the_text_keeps_the_stored_one():
    kept = keep_full_text(PAGE, CELLAR)
    assert kept.source == "eurlex" and kept.dates["transposition"].isoformat() == "2027-07-26"  # the page's facts
    assert (kept.text, kept.sections) == ("Whole text", SECTIONS)  # and Cellar's text


def test_a_new_structured_text_or_nothing_stored_wins():
    newer = CELLAR.replace(text="Amended text", sections=(Section("article", "1", "art_1", "", "new"),))
    assert keep_full_text(newer, CELLAR) is newer
    assert keep_full_text(PAGE, None) is PAGE
    assert keep_full_text(PAGE, PAGE.replace(text="plain page text")) is PAGE  # only structured texts are kept
    proc = Procedure(id="proc:2022/0051(COD)", reference="2022/0051(COD)", title="t", source="oeil")
    assert keep_full_text(proc, CELLAR) is proc
