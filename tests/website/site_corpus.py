"""A small store for site tests, built from model objects (not from the spiders).

The dossiers are the real ones the sample content talks about, with dates checked against
EUR-Lex and the Legislative Observatory; two upserts a few days apart give the store a history
of changes for the home page and the feeds.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from policytrack.model import Document, Event, KeyPlayer, Procedure
from policytrack.store import Store

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

COM, EP, COUNCIL = "European Commission", "European Parliament", "Council of the EU"
EURLEX = "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:"
OEIL = "https://oeil.secure.europarl.europa.eu/oeil/en/procedure-file?reference="


def _ev(day: str, title: str, actor: str, forecast: bool = False) -> Event:
    return Event(date=date.fromisoformat(day), title=title, actor=actor, forecast=forecast)


def _proc(
    ref: str,
    title: str,
    final_act: str | None,
    events: list[Event],
    *,
    status: str = "completed",
    stage: str = "Procedure completed",
    key_players: tuple[KeyPlayer, ...] = (),
    summary: str = "",
) -> Procedure:
    return Procedure(
        id=f"proc:{ref}",
        reference=ref,
        title=title,
        source="oeil",
        url=OEIL + ref,
        stage=stage,
        status=status,
        events=tuple(events),
        final_act=final_act,
        key_players=key_players,
        summary=summary,
    )


def _doc(celex: str, title: str, doc_type: str, day: str, procedure: str | None, **dates: str) -> Document:
    return Document(
        id=f"celex:{celex}",
        title=title,
        source="eurlex",
        url=EURLEX + celex,
        doc_type=doc_type,
        celex=celex,
        procedure=procedure,
        date=date.fromisoformat(day),
        dates={k: date.fromisoformat(v) for k, v in dates.items()},
    )


def procedures() -> list[Procedure]:
    return [
        _proc(
            "2022/0051(COD)",
            "Corporate sustainability due diligence",
            "32024L1760",
            [
                _ev("2022-02-23", "Legislative proposal published", COM),
                _ev("2022-12-01", "Council general approach", COUNCIL),
                _ev("2023-06-01", "Parliament's negotiating position adopted in plenary", EP),
                _ev("2023-12-14", "Provisional agreement reached in trilogue", COUNCIL),
                _ev("2024-04-24", "Decision by Parliament, 1st reading", EP),
                _ev("2024-05-24", "Act adopted by Council after Parliament's 1st reading", COUNCIL),
                _ev("2024-06-13", "Final act signed", EP),
                _ev("2024-07-05", "Final act published in Official Journal", COM),
            ],
            key_players=(
                KeyPlayer("committee responsible", "JURI Legal Affairs"),
                KeyPlayer("rapporteur", "WOLTERS Lara", "JURI", "S&D"),
                KeyPlayer("commission", "DG Justice and Consumers (JUST)"),
            ),
            summary="Obliges large companies to identify, prevent and bring to an end adverse human-rights "
            "and environmental impacts in their own operations, their subsidiaries and their chain "
            "of activities, and to adopt a climate transition plan.",
        ),
        _proc(
            "2022/0095(COD)",
            "Ecodesign for Sustainable Products Regulation",
            "32024R1781",
            [
                _ev("2022-03-30", "Legislative proposal published", COM),
                _ev("2023-05-22", "Council general approach", COUNCIL),
                _ev("2023-07-12", "Parliament's negotiating position adopted in plenary", EP),
                _ev("2023-12-05", "Provisional agreement reached in trilogue", COUNCIL),
                _ev("2024-04-23", "Decision by Parliament, 1st reading", EP),
                _ev("2024-05-27", "Act adopted by Council after Parliament's 1st reading", COUNCIL),
                _ev("2024-06-13", "Final act signed", EP),
                _ev("2024-06-28", "Final act published in Official Journal", COM),
            ],
            key_players=(
                KeyPlayer("committee responsible", "ENVI Environment, Public Health and Food Safety"),
                KeyPlayer("rapporteur", "MORETTI Alessandra", "ENVI", "S&D"),
                KeyPlayer("commission", "DG Environment (ENV)"),
                KeyPlayer("commission", "DG Internal Market, Industry, Entrepreneurship and SMEs (GROW)"),
            ),
        ),
        _proc(
            "2023/0083(COD)",
            "Common rules promoting the repair of goods",
            "32024L1799",
            [
                _ev("2023-03-22", "Legislative proposal published", COM),
                _ev("2023-11-21", "Parliament's negotiating position adopted in plenary", EP),
                _ev("2023-11-22", "Council general approach", COUNCIL),
                _ev("2024-02-02", "Provisional agreement reached in trilogue", COUNCIL),
                _ev("2024-04-23", "Decision by Parliament, 1st reading", EP),
                _ev("2024-05-30", "Act adopted by Council after Parliament's 1st reading", COUNCIL),
                _ev("2024-06-13", "Final act signed", EP),
                _ev("2024-07-10", "Final act published in Official Journal", COM),
            ],
            key_players=(
                KeyPlayer("committee responsible", "IMCO Internal Market and Consumer Protection"),
                KeyPlayer("rapporteur", "REPASI René", "IMCO", "S&D"),
                KeyPlayer("commission", "DG Justice and Consumers (JUST)"),
            ),
        ),
        _proc(
            "2014/0059(COD)",
            "Supply chain due diligence for importers of tin, tantalum, tungsten and gold "
            "from conflict-affected and high-risk areas",
            "32017R0821",
            [
                _ev("2014-03-05", "Legislative proposal published", COM),
                _ev("2017-03-16", "Decision by Parliament, 1st reading", EP),
                _ev("2017-04-03", "Act adopted by Council after Parliament's 1st reading", COUNCIL),
                _ev("2017-05-17", "Final act signed", EP),
                _ev("2017-05-19", "Final act published in Official Journal", COM),
            ],
            key_players=(KeyPlayer("committee responsible", "INTA International Trade"),),
        ),
        _proc(
            "2011/0438(COD)",
            "Public procurement",
            "32014L0024",
            [
                _ev("2011-12-20", "Legislative proposal published", COM),
                _ev("2014-01-15", "Decision by Parliament, 1st reading", EP),
                _ev("2014-02-11", "Act adopted by Council after Parliament's 1st reading", COUNCIL),
                _ev("2014-02-26", "Final act signed", EP),
                _ev("2014-03-28", "Final act published in Official Journal", COM),
            ],
            key_players=(KeyPlayer("committee responsible", "IMCO Internal Market and Consumer Protection"),),
        ),
    ]


def documents() -> list[Document]:
    return [
        _doc(
            "52022PC0071",
            "Proposal for a Directive on Corporate Sustainability Due Diligence and amending Directive (EU) 2019/1937",
            "proposal",
            "2022-02-23",
            "2022/0051(COD)",
        ),
        _doc(
            "32024L1760",
            "Directive (EU) 2024/1760 on corporate sustainability due diligence and amending "
            "Directive (EU) 2019/1937 and Regulation (EU) 2023/2859",
            "directive",
            "2024-06-13",
            "2022/0051(COD)",
            publication="2024-07-05",
            entry_into_force="2024-07-25",
            transposition="2027-07-26",
        ),
        _doc(
            "52022PC0142",
            "Proposal for a Regulation establishing a framework for setting ecodesign requirements "
            "for sustainable products and repealing Directive 2009/125/EC",
            "proposal",
            "2022-03-30",
            "2022/0095(COD)",
        ),
        _doc(
            "32024R1781",
            "Regulation (EU) 2024/1781 establishing a framework for the setting of ecodesign "
            "requirements for sustainable products",
            "regulation",
            "2024-06-13",
            "2022/0095(COD)",
            publication="2024-06-28",
            entry_into_force="2024-07-18",
        ),
        _doc(
            "52023PC0155",
            "Proposal for a Directive on common rules promoting the repair of goods",
            "proposal",
            "2023-03-22",
            "2023/0083(COD)",
        ),
        _doc(
            "32024L1799",
            "Directive (EU) 2024/1799 on common rules promoting the repair of goods",
            "directive",
            "2024-06-13",
            "2023/0083(COD)",
            publication="2024-07-10",
            transposition="2026-07-31",
        ),
        _doc(
            "32017R0821",
            "Regulation (EU) 2017/821 laying down supply chain due diligence obligations for Union "
            "importers of tin, tantalum and tungsten, their ores, and gold originating from conflict-affected "
            "and high-risk areas",
            "regulation",
            "2017-05-17",
            "2014/0059(COD)",
            publication="2017-05-19",
            application="2021-01-01",
        ),
        _doc(
            "32014L0024",
            "Directive 2014/24/EU on public procurement and repealing Directive 2004/18/EC",
            "directive",
            "2014-02-26",
            "2011/0438(COD)",
            publication="2014-03-28",
            transposition="2016-04-18",
        ),
    ]


def fill_store(path: Path, *, extra: list | None = None, now: datetime = NOW) -> Path:
    """Two crawls: everything ten days ago but the CSDDD's publication, then (two days ago) the
    Legislative Observatory's file gains that event and EUR-Lex gives the published act."""
    procs, docs = procedures(), documents()
    first = [
        p
        if p.reference != "2022/0051(COD)"
        else p.replace(events=p.events[:-1], stage="Awaiting publication in the Official Journal", status="ongoing")
        for p in procs
    ]
    with Store(path) as store:
        store.upsert(
            [*first, *(d for d in docs if d.id != "celex:32024L1760"), *(extra or [])], now - timedelta(days=10)
        )
        store.upsert([*procs, *docs, *(extra or [])], now - timedelta(days=2))
    return path
