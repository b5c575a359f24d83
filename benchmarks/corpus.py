"""A seeded generator of EU-document-like corpora for benchmarks (and tests that need volume).

    from benchmarks.corpus import generate_documents, generate_procedures
    for doc in generate_documents(100_000, seed=1): ...

Same ``n`` and ``seed`` → the same items, on every machine. Words follow a Zipf-like law over
a vocabulary of real EU policy terms plus a long tail of rarer words, so posting lists look like
real ones: a few very common words ("shall", "Member"), many rare ones. Titles, CELEX numbers,
procedure references, authors, EuroVoc concepts and topics look like EUR-Lex's and OEIL's.
Items are yielded one at a time: memory does not grow with ``n``.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import date, timedelta

from policytrack.model import Document, Event, Procedure, Section

COMMON = [
    "shall",
    "the",
    "of",
    "and",
    "to",
    "in",
    "for",
    "by",
    "Member",
    "States",
    "Commission",
    "Union",
    "on",
    "be",
    "with",
    "as",
    "this",
    "that",
    "or",
    "Regulation",
    "Directive",
    "Article",
    "paragraph",
    "where",
    "provided",
    "measures",
    "requirements",
    "information",
    "referred",
    "such",
    "its",
    "which",
    "products",
    "market",
    "economic",
    "operators",
    "authorities",
    "national",
    "competent",
    "obligations",
    "accordance",
    "laid",
    "down",
]
POLICY = [
    "due",
    "diligence",
    "supply",
    "chain",
    "value",
    "chain",
    "downstream",
    "upstream",
    "human",
    "rights",
    "environmental",
    "adverse",
    "impacts",
    "forced",
    "labour",
    "child",
    "labour",
    "conflict",
    "minerals",
    "smelters",
    "refiners",
    "tin",
    "tantalum",
    "tungsten",
    "gold",
    "cobalt",
    "lithium",
    "nickel",
    "graphite",
    "batteries",
    "waste",
    "electrical",
    "electronic",
    "equipment",
    "WEEE",
    "ecodesign",
    "durability",
    "reparability",
    "recyclability",
    "repair",
    "right",
    "spare",
    "parts",
    "software",
    "updates",
    "refurbishment",
    "remanufacturing",
    "common",
    "charger",
    "USB-C",
    "circular",
    "economy",
    "critical",
    "raw",
    "materials",
    "strategic",
    "projects",
    "stockpiling",
    "recycling",
    "recycled",
    "content",
    "digital",
    "product",
    "passport",
    "public",
    "procurement",
    "contracting",
    "authorities",
    "award",
    "criteria",
    "social",
    "clauses",
    "tender",
    "labels",
    "sustainability",
    "reporting",
    "corporate",
    "governance",
    "directors",
    "stakeholders",
    "grievance",
    "mechanism",
    "remediation",
    "civil",
    "liability",
    "supervisory",
    "authority",
    "penalties",
    "transposition",
    "delegated",
    "implementing",
    "acts",
    "standardisation",
    "harmonised",
    "conformity",
    "assessment",
    "market",
    "surveillance",
    "customs",
    "import",
    "export",
    "ban",
    "withdrawal",
    "destruction",
    "unsold",
    "consumer",
    "smartphones",
    "tablets",
    "laptops",
    "displays",
    "servers",
    "data",
    "centres",
    "semiconductors",
    "chips",
    "microelectronics",
]
TITLES = [
    "on corporate sustainability due diligence",
    "establishing a framework for the setting of ecodesign requirements",
    "on common rules promoting the repair of goods",
    "concerning batteries and waste batteries",
    "laying down supply chain due diligence obligations for importers of conflict minerals",
    "on prohibiting products made with forced labour on the Union market",
    "on public procurement",
    "establishing a framework for ensuring a secure and sustainable supply of critical raw materials",
    "on waste electrical and electronic equipment",
    "on a common charger for electronic devices",
    "on the restriction of the use of certain hazardous substances in electrical equipment",
    "on corporate sustainability reporting",
    "on the European Chips Act",
    "on the digital product passport",
]
AUTHORS = [
    "European Commission",
    "European Parliament",
    "Council of the EU",
    "Committee on Legal Affairs",
    "Committee on the Internal Market and Consumer Protection",
    "Committee on International Trade",
    "Committee on Industry, Research and Energy",
    "European Economic and Social Committee",
    "Committee of the Regions",
    "DG GROW",
    "DG JUST",
    "DG ENV",
]
EUROVOC = [
    "corporate social responsibility",
    "human rights",
    "forced labour",
    "mineral",
    "supply chain",
    "ecodesign",
    "electronic waste",
    "recycling",
    "circular economy",
    "battery",
    "raw material",
    "public contract",
    "award of contract",
    "consumer protection",
    "internal market",
]
# EuroVoc concepts of the rest of EU output: a tracked concept is on a tracked subject's items.
GENERIC_EUROVOC = [
    "agricultural policy",
    "fisheries policy",
    "transport policy",
    "energy policy",
    "public health",
    "financial institution",
    "taxation",
    "competition",
    "education policy",
    "migration policy",
    "regional policy",
    "food safety",
    "employment policy",
    "customs union",
    "budget",
    "research policy",
    "telecommunications",
    "air transport",
    "animal welfare",
    "water policy",
]
TOPICS = ["due-diligence", "circular-electronics", "public-procurement"]
TRACKED_SHARE = 0.125
STAGES = [
    "Preparatory phase in Parliament",
    "Awaiting committee decision",
    "Awaiting Parliament's position in 1st reading",
    "Awaiting Council's 1st reading position",
    "Procedure completed",
    "Procedure completed - delegated act enters into force",
    "Procedure lapsed or withdrawn",
]
PROC_TYPES = ["COD"] * 6 + ["CNS", "NLE", "INI", "RSP", "DEA"]
ACT_TYPES = [("R", "regulation"), ("L", "directive"), ("D", "decision")]
PREP_TYPES = [("PC", "proposal"), ("DC", "communication"), ("SC", "staff working document")]


def _vocabulary(seed: int) -> tuple[list[str], list[float]]:
    rng = random.Random(seed * 7919 + 13)
    syllables = ["ka", "ro", "ti", "ne", "sa", "lu", "mo", "de", "ri", "va", "po", "gen", "tor", "mar", "lex", "ur"]
    tail = sorted({"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(40_000)})
    rng.shuffle(tail)
    # Function words on top; policy terms spread over ranks 300..6000, as in a real collection
    # where "ecodesign" is in a few per cent of documents, not in half of them.
    vocab = list(COMMON) + tail[:250]
    rest = tail[250:]
    step = 5700 // len(POLICY)
    for k, word in enumerate(POLICY):
        vocab.extend(rest[k * (step - 1) : (k + 1) * (step - 1)])
        vocab.append(word)
    vocab.extend(rest[len(POLICY) * (step - 1) :])
    # Zipf-like: the r-th word has weight 1/(r+2)^1.0.
    cum = list(itertools.accumulate(1.0 / (r + 2) for r in range(len(vocab))))
    return vocab, cum


def _text(rng: random.Random, vocab: list[str], cum: list[float], n_words: int) -> str:
    words = rng.choices(vocab, cum_weights=cum, k=n_words)
    sentences, i = [], 0
    while i < len(words):
        k = rng.randint(8, 24)
        chunk = words[i : i + k]
        sentences.append(chunk[0].capitalize() + " " + " ".join(chunk[1:]) + ".")
        i += k
    return " ".join(sentences)


def _subject(rng: random.Random, vocab: list[str], cum: list[float]) -> str:
    """What a title is about: one of the tracked subjects for about one item in eight (a tracker's
    corpus is mostly everything else the EU publishes), else words from the long tail."""
    if rng.random() < TRACKED_SHARE:
        return rng.choice(TITLES)
    w = [vocab[rng.randrange(400, len(vocab))] for _ in range(4)]
    return f"on the {w[0]} {w[1]} of {w[2]} and {w[3]}"


def _eurovoc(rng: random.Random, title: str) -> tuple[str, ...]:
    pool = EUROVOC if any(t in title for t in TITLES) else GENERIC_EUROVOC
    return tuple(rng.sample(pool, k=rng.randint(1, 3)))


def _topics(rng: random.Random, title: str) -> tuple[str, ...]:
    if any(t in title for t in TITLES):
        return tuple(rng.sample(TOPICS, k=rng.choice((1, 1, 2))))
    return (rng.choice(TOPICS),) if rng.random() < 0.05 else ()


def _procedure_ref(rng: random.Random) -> str:
    return f"{rng.randint(2010, 2025)}/{rng.randint(1, 450):04d}({rng.choice(PROC_TYPES)})"


HEADINGS = [
    "Subject matter",
    "Scope",
    "Definitions",
    "Obligations of economic operators",
    "Due diligence policy",
    "Supervisory authorities",
    "Penalties",
    "Review",
    "Transposition",
    "Entry into force",
]


def _act_sections(text: str, rng: random.Random) -> tuple[Section, ...]:
    """The text of an act cut into recitals and articles as the Official Journal prints them:
    numbered paragraphs, lettered points (for the search's point labels)."""
    sentences = [s.strip() + "." for s in text.split(".") if s.strip()]
    recitals = max(1, len(sentences) // 6)
    out = [Section("recital", str(k + 1), f"rct_{k + 1}", "", sentences[k]) for k in range(recitals)]
    rest, article = sentences[recitals:], 0
    while rest:
        article += 1
        size = rng.randint(2, 6)
        take, rest = rest[:size], rest[size:]
        lines = [f"1. {take[0]}"]
        for j, sentence in enumerate(take[1:]):
            lines.append(f"({'abcdefgh'[j]}) {sentence}" if j < 2 else f"{j}. {sentence}")
        heading = HEADINGS[(article - 1) % len(HEADINGS)]
        out.append(Section("article", str(article), f"art_{article}", heading, "\n".join(lines)))
    return tuple(out)


def generate_documents(
    n: int, seed: int = 1, *, body_words: tuple[int, int] = (120, 320), sections: bool = False
) -> Iterator[Document]:
    """``n`` documents: acts, proposals, EP reports and press releases with realistic metadata.

    ``sections``: acts (regulations, directives, decisions) come cut into recitals and articles
    as Cellar's texts are, the text being the parts one after the other (from a random stream
    of their own: the rest of the corpus is the same with or without)."""
    rng = random.Random(seed)
    vocab, cum = _vocabulary(seed)
    for i in range(n):
        year = 1995 + (i * 7 + rng.randint(0, 30)) % 31
        day = date(year, 1, 1) + timedelta(days=rng.randint(0, 364))
        kind = rng.random()
        procedure = _procedure_ref(rng) if rng.random() < 0.7 else None
        celex = None
        # CELEX numbers from i: type i % 3, then year and number from i // 3, unique below 900k.
        k = i // 3
        act_year, number = 1995 + k % 30, k // 30 + 1
        if kind < 0.45 and number <= 9999:
            letter, doc_type = ACT_TYPES[i % 3]
            celex = f"3{act_year}{letter}{number:04d}"
            year, day = (
                act_year,
                day.replace(year=act_year) if not (day.month == 2 and day.day == 29) else date(act_year, 2, 28),
            )
            doc_id, source = f"celex:{celex}", "eurlex"
            title = f"{doc_type.capitalize()} (EU) {year}/{number} of the European Parliament and of the Council {_subject(rng, vocab, cum)}"
            authors = ["European Parliament", "Council of the EU"]
        elif kind < 0.7 and number <= 9999:
            letter, doc_type = PREP_TYPES[i % 3]
            celex = f"5{act_year}{letter}{number:04d}"
            doc_id, source = f"celex:{celex}", "eurlex"
            title = f"{doc_type.capitalize()} {_subject(rng, vocab, cum)}"
            authors = ["European Commission", rng.choice(AUTHORS[9:])]
        elif kind < 0.85:
            doc_type, source = "report", "ep-odp"
            doc_id = f"ep:A-9-{year}-{i:07d}"
            title = f"Report on the proposal {_subject(rng, vocab, cum)}"
            authors = [rng.choice(AUTHORS[3:7])]
        else:
            doc_type, source = "press release", "ep-press"
            doc_id = f"press:{day:%Y%m%d}IPR{i:07d}"
            title = (
                f"Parliament {rng.choice(['adopts', 'backs', 'debates', 'amends'])} rules {_subject(rng, vocab, cum)}"
            )
            authors = ["European Parliament"]
        n_words = rng.randint(*body_words)
        # drawn in the order they always were: the same corpus with or without sections
        eurovoc = _eurovoc(rng, title)
        summary = _text(rng, vocab, cum, 40)
        text = _text(rng, vocab, cum, n_words)
        parts: tuple[Section, ...] = ()
        if sections and celex and celex.startswith("3"):
            parts = _act_sections(text, random.Random(seed * 1_000_003 + i))
            text = "\n".join(p.text for p in parts)
        yield Document(
            id=doc_id,
            title=title,
            source=source,
            doc_type=doc_type,
            celex=celex,
            procedure=procedure,
            date=day,
            authors=tuple(authors),
            eurovoc=eurovoc,
            summary=summary,
            text=text,
            sections=parts,
            topics=_topics(rng, title),
            url=f"https://eur-lex.europa.eu/legal-content/EN/TXT/?uri={doc_id}",
        )


def generate_procedures(n: int, seed: int = 1) -> Iterator[Procedure]:
    """``n`` procedures with events from proposal onwards; references are unique for n ≤ 259,974."""
    rng = random.Random(seed + 1_000_003)
    vocab, cum = _vocabulary(seed)
    for i in range(n):
        year = 2000 + i % 26
        number = i // 26 + 1
        ptype = PROC_TYPES[i % len(PROC_TYPES)]
        ref = f"{year}/{number:04d}({ptype})" if number <= 9999 else f"{year}/{number % 9999 + 1:04d}({ptype})"
        start = date(year, 1, 1) + timedelta(days=rng.randint(0, 364))
        events = [Event(start, "Legislative proposal published", "European Commission")]
        for step in (
            "Committee referral announced in Parliament",
            "Vote in committee",
            "Debate in Council",
            "Decision by Parliament",
            "Final act signed",
        ):
            if rng.random() < 0.6:
                start += timedelta(days=rng.randint(20, 200))
                events.append(Event(start, step, rng.choice(AUTHORS[:3])))
        title = _subject(rng, vocab, cum).capitalize()
        yield Procedure(
            id=f"proc:{ref}",
            reference=ref,
            title=title,
            source="oeil",
            stage=rng.choice(STAGES),
            status="ongoing",
            events=tuple(events),
            key_players=tuple(rng.sample(AUTHORS[3:9], k=2)),
            eurovoc=_eurovoc(rng, title.lower()),
            summary=_text(rng, vocab, cum, 60),
            topics=_topics(rng, title.lower()),
        )
