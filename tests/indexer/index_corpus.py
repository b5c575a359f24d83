"""Shared by the indexer tests: a small corpus written like the real items, and backends.

A module with a unique name (not conftest) so that test modules can import it whatever
conftest pytest imported first.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

import pytest

from policytrack.model import Document, Event, Note, Procedure

T_OLD = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
T_NEW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def es_url() -> str:
    url = os.environ.get("POLICYTRACK_TEST_ES_URL", "")
    if not url:
        if os.environ.get("POLICYTRACK_TEST_REQUIRE_SERVICES") == "1":
            pytest.fail("POLICYTRACK_TEST_ES_URL is not set: start the node with scripts/es-node start")
        pytest.skip("no Elasticsearch node (POLICYTRACK_TEST_ES_URL unset); scripts/test starts one")
    return url


def make_backend(kind: str, tmp_path, index_name: str):
    if kind == "embedded":
        from indexer.embedded import EmbeddedBackend

        return EmbeddedBackend(tmp_path / "index.sqlite3")
    from indexer.elastic import ElasticBackend

    return ElasticBackend(es_url(), index_name)


def corpus() -> list[tuple[object, datetime]]:
    """Twelve items written like the real ones, each there to make some assertion fail if wrong."""
    d = Document
    items = [
        (
            d(
                id="celex:32024L1760",
                title="Directive (EU) 2024/1760 on corporate sustainability due diligence",
                source="eurlex",
                doc_type="directive",
                celex="32024L1760",
                procedure="2022/0051(COD)",
                date=date(2024, 6, 13),
                authors=("European Parliament", "Council of the EU"),
                eurovoc=("corporate social responsibility",),
                topics=("due-diligence",),
                summary="Companies must identify adverse human rights impacts in their chain of activities.",
                text="Due diligence covers the upstream business partners and some downstream partners, "
                "such as distribution and transport. Member States shall designate supervisory authorities.",
            ),
            T_OLD,
        ),
        (
            d(
                id="celex:52022PC0071",
                title="Proposal for a directive on corporate sustainability due diligence",
                source="eurlex",
                doc_type="proposal",
                celex="52022PC0071",
                procedure="2022/0051(COD)",
                date=date(2022, 2, 23),
                authors=("European Commission",),
                topics=("due-diligence",),
                text="The proposal covers the value chain, upstream only for financial services.",
            ),
            T_OLD,
        ),
        (
            d(
                id="celex:32024R1781",
                title="Regulation (EU) 2024/1781 establishing a framework for ecodesign requirements",
                source="eurlex",
                doc_type="regulation",
                celex="32024R1781",
                procedure="2022/0095(COD)",
                date=date(2024, 6, 13),
                authors=("European Parliament", "Council of the EU"),
                topics=("circular-electronics",),
                text="Ecodesign requirements on durability, reparability and recycled content for sustainable products. "
                "Destruction of unsold consumer products is banned.",
            ),
            T_NEW,
        ),
        (
            d(
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
            T_NEW,
        ),
        (
            d(
                id="celex:32023R1542",
                title="Regulation (EU) 2023/1542 concerning batteries and waste batteries",
                source="eurlex",
                doc_type="regulation",
                celex="32023R1542",
                procedure="2020/0353(COD)",
                date=date(2023, 7, 12),
                authors=("European Parliament", "Council of the EU"),
                topics=("circular-electronics", "due-diligence"),
                text="Battery due diligence obligations apply to cobalt, lithium, nickel and natural graphite.",
            ),
            T_OLD,
        ),
        (
            d(
                id="celex:32017R0821",
                title="Regulation (EU) 2017/821 on conflict minerals",
                source="eurlex",
                doc_type="regulation",
                celex="32017R0821",
                procedure="2014/0059(COD)",
                date=date(2017, 5, 17),
                authors=("European Parliament", "Council of the EU"),
                topics=("due-diligence",),
                text="Supply chain due diligence obligations for Union importers of tin, tantalum, tungsten and gold "
                "originating from conflict-affected and high-risk areas.",
            ),
            T_OLD,
        ),
        (
            d(
                id="ep:A-9-2023-0184",
                title="Report on the proposal for a directive on corporate sustainability due diligence",
                source="ep-odp",
                doc_type="report",
                procedure="2022/0051(COD)",
                date=date(2023, 5, 24),
                authors=("Committee on Legal Affairs",),
                topics=("due-diligence",),
                text="The committee extends the obligations downstream to the use and disposal of products.",
            ),
            T_NEW,
        ),
        (
            d(
                id="press:20240424IPR20987",
                title="Parliament adopts the ban on products made with forced labour",
                source="ep-press",
                doc_type="press release",
                procedure="2022/0269(COD)",
                date=date(2024, 4, 23),
                authors=("European Parliament",),
                topics=("due-diligence",),
                text="MEPs adopted the regulation prohibiting products made with forced labour on the EU market. "
                'Special characters stay text: C++ && (AND) -- "quotes" {braces} [brackets] a:b ~tilde^2.',
            ),
            T_NEW,
        ),
        (
            d(
                id="celex:32014L0024",
                title="Directive 2014/24/EU on public procurement",
                source="eurlex",
                doc_type="directive",
                celex="32014L0024",
                procedure="2011/0438(COD)",
                date=date(2014, 2, 26),
                authors=("European Parliament", "Council of the EU"),
                topics=("public-procurement",),
                text="Contracting authorities may require social labels and take account of working conditions.",
            ),
            T_OLD,
        ),
        (
            Procedure(
                id="proc:2022/0051(COD)",
                reference="2022/0051(COD)",
                title="Corporate sustainability due diligence",
                source="oeil",
                stage="Procedure completed",
                status="completed",
                topics=("due-diligence",),
                key_players=(
                    "JURI",
                    {"role": "rapporteur", "name": "WOLTERS Lara", "committee": "JURI", "group": "S&D"},
                ),
                summary="Due diligence duties for large companies.",
                events=(
                    Event(date(2022, 2, 23), "Legislative proposal published", "European Commission"),
                    Event(date(2024, 7, 5), "Final act published in Official Journal"),
                ),
            ),
            T_OLD,
        ),
        (
            Procedure(
                id="proc:2023/0079(CNS)",
                reference="2023/0079(CNS)",
                title="Ecodesign of electronic displays: consultation",
                source="oeil",
                stage="Awaiting Parliament's position in 1st reading",
                topics=("circular-electronics",),
                events=(Event(date(2023, 3, 16), "Legislative proposal published", "European Commission"),),
            ),
            T_NEW,
        ),
        (
            Note(
                id="note:downstream-briefing",
                note_type="briefing",
                title="Why downstream due diligence matters",
                date=date(2025, 2, 1),
                slug="downstream-briefing",
                topics=("due-diligence",),
                authors=("Fair Electronics Coalition",),
                procedures=("2022/0051(COD)",),
                celex=("32024L1760",),
                body="Electronics end up in e-waste dumps: the downstream chain needs due diligence too.",
            ),
            T_NEW,
        ),
    ]
    return items
