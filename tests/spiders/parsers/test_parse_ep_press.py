"""EP press releases and plenary documents (doceo): every procedure, list items, the encoding,
the full text, authors as people with their groups."""

from __future__ import annotations

import re
from datetime import date

from spiders.parsers import parse


def read(real_fixtures, name: str) -> bytes:
    return (real_fixtures / "ep" / name).read_bytes()


def test_press_release_keeps_every_procedure(real_fixtures):
    [doc] = parse("ep-press-release", read(real_fixtures, "press-release_20241212IPR25960.html"), "")
    assert doc.procedures == ("2024/0275(COD)", "2024/0274(COD)")  # RESTORE, then EAFRD
    assert doc.procedure == "2024/0275(COD)"


def test_press_release_list_items_are_text(real_fixtures):
    [doc] = parse("ep-press-release", read(real_fixtures, "press-release_20241212IPR25960.html"), "")
    paragraphs = doc.text.split("\n\n")
    # The highlights above the text are a list; they come first, in order.
    assert paragraphs[:3] == [
        "Regional development funds can be used more flexibly for reconstruction following natural disasters",
        "Social funds can also finance post-disaster healthcare and basic necessities",
        "Losses for farmers, forest holders and SMEs active in agriculture and forestry can be compensated",
    ]
    # Lists of links (share buttons, further information) and press contacts are not text.
    assert "Facebook" not in paragraphs and "Procedure file (RESTORE)" not in doc.text
    assert "Phone number" not in doc.text


def test_charset_declared_after_non_ascii_text_is_honoured(real_fixtures):
    """Derived variant: a curly apostrophe in the head before ``<meta charset>`` (libxml2 then
    reads the whole page as Latin-1, and ’ becomes â€™)."""
    page = read(real_fixtures, "press-release_20241212IPR25960.html").decode()
    page = page.replace("<title>EP paves way", "<title>EP’s paving way", 1)
    page = page.replace(
        '<html lang="en">', '<html lang="en"><!--' + "padding " * 200 + "-->", 1
    )  # and the declaration well past the first 1,024 bytes
    assert page.index("charset") > 1024 and page.index("’") < page.index("charset")
    [doc] = parse("ep-press-release", page.encode("utf-8"), "")
    assert "â€" not in doc.text and "â€" not in doc.title and "â€" not in doc.summary
    assert "EU’s ERDF could fund recovery projects" in doc.text


def test_windows_1252_page_is_read_as_declared():
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252"></head><body>'
        "<article><h1>Parliament\x92s vote</h1><p>Caf\xe9 \x93quoted\x94</p>"
        '<a href="https://oeil.secure.europarl.europa.eu/oeil/en/procedure-file?reference=2024/0275(COD)">x</a>'
        "</article></body></html>"
    ).encode("latin-1")
    url = "https://www.europarl.europa.eu/news/en/press-room/20241212IPR25960/x"
    [doc] = parse("ep-press-release", page, url)
    assert doc.title == "Parliament’s vote" and doc.text == "Café “quoted”"


def test_plenary_document_full_text(real_fixtures):
    [doc] = parse("ep-document", read(real_fixtures, "document_A-9-2024-0163-EN.html"), "")
    assert doc.text.startswith("on amendments to Parliament’s Rules of Procedure")
    paragraphs = doc.text.split("\n\n")
    # The recitals and the numbered paragraphs, each its own paragraph…
    assert "– having regard to Rules 236 and 237 of its Rules of Procedure," in paragraphs
    assert "1. Decides to amend its Rules of Procedure as shown below;" in paragraphs
    assert (
        "3. Instructs its President to forward this decision to the Council and the Commission, for information."
        in (paragraphs)
    )
    # …and the later sections (the committee's vote), but not the page's boxes of links.
    assert "Key to symbols:" in paragraphs
    assert "Document stages in plenary" not in doc.text and "PV 24/04/2024 - 7.1" not in doc.text


def test_plenary_report_authors_are_people(real_fixtures):
    [doc] = parse("ep-document", read(real_fixtures, "document_A-9-2024-0163-EN.html"), "")
    assert doc.authors == ("Gabriele BISCHOFF",)
    assert doc.date == date(2024, 4, 4) and doc.procedures == ("2024/2006(REG)",)


_MOTION_HEADER = """
    Joint text
    <br />pursuant to Rules 150(5) and 136(4) of the Rules of Procedure
    <br />replacing the following motions:
    <br /><a href="/doceo/document/B-10-2025-0249_EN.html">B10‑0249/2025</a> (Verts/ALE)
    <br /><a href="/doceo/document/B-10-2025-0250_EN.html">B10‑0250/2025</a> (S&amp;D)
    <br /><br />Sebastião Bugalho, Jessika Van Leeuwen, Michael Gahler
    <br />on behalf of the PPE Group
    <br />Yannis Maniatis, Francisco Assis
    <br />on behalf of the S&amp;D Group
    <br />Villy Søvndal
    <br />on behalf of the Verts/ALE Group
   <br /><br />"""


def test_motion_authors_are_people_with_their_groups(real_fixtures):
    """Derived variant: the report's header (committee, rapporteur) replaced by a joint motion's
    (names, each list followed by the group it is tabled for), as doceo writes RC documents."""
    page = read(real_fixtures, "document_A-9-2024-0163-EN.html").decode()
    start = page.index("</p></div><p> ", page.index('<h1 class="es_title-h1')) + len("</p></div>")
    end = page.index("</p>", start) + len("</p>")
    page = page[:start] + _MOTION_HEADER + page[end:]
    page = page.replace('content="Gabriele BISCHOFF"', 'content="Sebastião Bugalho, Jessika Van Leeuwen"')
    [doc] = parse("ep-document", page.encode(), "https://www.europarl.europa.eu/doceo/document/RC-10-2025-0249_EN.html")
    assert doc.id == "ep:RC-10-2025-0249" and doc.doc_type == "resolution"
    assert doc.authors == (
        "Sebastião Bugalho (PPE)",
        "Jessika Van Leeuwen (PPE)",
        "Michael Gahler (PPE)",
        "Yannis Maniatis (S&D)",
        "Francisco Assis (S&D)",
        "Villy Søvndal (Verts/ALE)",
    )
    assert "on behalf of" not in doc.text


def test_a_release_without_a_time_element_is_dated_by_its_page(real_fixtures):
    """Derived variant: the release with no ``<time>`` (a template that writes the date as text):
    the page's "available" meta, present on every layout 2019–2025, dates it."""
    page = (real_fixtures / "ep" / "press-release_20241212IPR25960.html").read_text("utf-8")
    variant = re.sub(r"<time[^>]*>.*?</time>", "", page, flags=re.S)
    assert "<time" not in variant
    [doc] = parse("ep-press-release", variant.encode(), "")
    assert doc.date == date(2024, 12, 17)
