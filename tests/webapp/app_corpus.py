"""A small corpus for the app's tests: real-looking items, plus scraped text that tries to be
HTML or a spreadsheet formula (the app must show it as text)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from policytrack.model import Document, Event, Procedure

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
SECRET = "app-test-secret-not-for-production"
SITE_URL = "https://tracker.example.org/"
XSS_TITLE = "MEPs <img src=x onerror=\"window.__xss='title'\"> & the <script>window.__xss='script'</script> omnibus"
FORMULA_TITLE = '=HYPERLINK("http://evil.example/","click") due diligence'


def items() -> list:
    return [
        Procedure(
            id="proc:2022/0051(COD)",
            reference="2022/0051(COD)",
            title="Corporate sustainability due diligence",
            source="oeil",
            stage="Procedure completed",
            status="completed",
            topics=("due-diligence",),
            summary="Due diligence duties for large companies, upstream and downstream.",
            events=(
                Event(date(2022, 2, 23), "Legislative proposal published", "European Commission"),
                Event(date(2024, 7, 5), "Final act published in Official Journal"),
            ),
        ),
        Procedure(
            id="proc:2023/0083(COD)",
            reference="2023/0083(COD)",
            title="Common rules promoting the repair of goods",
            source="oeil",
            stage="Awaiting Council's 1st reading position",
            topics=("circular-electronics",),
            summary="A right to repair for consumers.",
            events=(Event(date(2023, 3, 22), "Legislative proposal published", "European Commission"),),
        ),
        Document(
            id="celex:32024L1760",
            title="Directive (EU) 2024/1760 on corporate sustainability due diligence",
            source="eurlex",
            doc_type="directive",
            celex="32024L1760",
            procedure="2022/0051(COD)",
            date=date(2024, 6, 13),
            authors=("European Parliament", "Council of the EU"),
            topics=("due-diligence",),
            url="https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32024L1760",
            text="Companies shall identify adverse impacts in their chain of activities, including the downstream "
            "partners that distribute, transport and store the product.",
        ),
        Document(
            id="celex:32024L1799",
            title="Directive (EU) 2024/1799 on common rules promoting the repair of goods",
            source="eurlex",
            doc_type="directive",
            celex="32024L1799",
            procedure="2023/0083(COD)",
            date=date(2024, 6, 13),
            authors=("European Parliament", "Council of the EU"),
            topics=("circular-electronics",),
            text="The right to repair obliges manufacturers to repair smartphones and washing machines.",
        ),
        Document(
            id="press:20250307IPR1",
            title=XSS_TITLE,
            source="ep-press",
            doc_type="press release",
            procedure="2022/0051(COD)",
            date=date(2025, 3, 7),
            authors=("European Parliament",),
            topics=("due-diligence",),
            text='Omnibus text with <b>markup</b> and "quotes" <script>window.__xss="body"</script> downstream.',
        ),
        Document(
            id="ep:A-9-2023-0184",
            title=FORMULA_TITLE,
            source="ep-odp",
            doc_type="report",
            procedure="2022/0051(COD)",
            date=date(2023, 5, 24),
            authors=("Committee on Legal Affairs",),
            topics=("due-diligence",),
            text="The committee extends the obligations downstream to the use and disposal of products.",
        ),
    ]
