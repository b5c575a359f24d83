"""No parser raises anything but ParseError on truncated, mangled or wrong-kind input, and
whatever a parser returns from such input is a list of validated items.

Cases: every fixture × every kind (wrong kinds), seeded truncations and byte manglings of every
fixture, hypothesis-generated inputs and records — well over 2 000 in all.
"""

from __future__ import annotations

import contextlib
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policytrack.model import Document, Procedure
from spiders.errors import ParseError
from spiders.parsers import KINDS, parse
from spiders.replay import SHIPPED_RECORDING

REAL = Path(__file__).resolve().parents[2] / "fixtures" / "real"
RIGHT_KIND = {
    "eurlex/procedure_2021-0106-COD.html": "eurlex-procedure",
    "eurlex/document_EP-report_A9-2021-0270.html": "eurlex-document",
    "eurlex/legal-content_EN-ALL_CELEX-32017R2403.html": "eurlex-document",
    "eurlex/legal-content_EN-TXT_CELEX-32017R2403.html": "eurlex-document",
    "cellar/branch-notice_32017R2403.xml": "cellar-notice",
    "cellar/tree-notice_procedure-2013-0449-COD.xml": "cellar-notice",
    "oeil/procedure-file_2024-0258-COD.html": "oeil-procedure",
    "oeil/procedure-file_2022-0377-NLE.html": "oeil-procedure",
    "oeil/procedure-file_2023-2019-INI_layout-2024-ep.html": "oeil-procedure",
    "oeil/procedure-file_2022-2201-INI_layout-2024-25-erpl.html": "oeil-procedure",
    "oeil/document-summary_1864147.html": "oeil-summary",
    "ep-odp/procedure_2025-0260.json": "ep-odp-procedure",
    "ep-odp/procedure_2024-2006.json": "ep-odp-procedure",
    "ep-odp/document_A-9-2024-0163.json": "ep-odp-document",
    "ep-odp/meeting_MTG-PL-2024-07-16.xml": "ep-odp-meeting",
    "ep/press-release_20241212IPR25960.html": "ep-press-release",
    "ep/document_A-9-2024-0163-EN.html": "ep-document",
}
HANDMADE_FEED = (SHIPPED_RECORDING / "handmade" / "eurlex_feed_rssId-162.xml").read_bytes()
BODIES = {name: (REAL / name).read_bytes() for name in RIGHT_KIND}
BODIES["handmade-feed"] = HANDMADE_FEED
KIND_OF = {**RIGHT_KIND, "handmade-feed": "feed"}
URL = "https://example.org/fuzz"


def check(kind: str, body: bytes | str) -> None:
    try:
        items = parse(kind, body, URL)
    except ParseError as e:
        assert "\n" not in str(e) and str(e)
        # The catch-all in parse() is a safety net, not the mechanism: no programming error may hide behind it.
        assert not isinstance(e.__cause__, (TypeError, AttributeError, LookupError, RecursionError)), repr(e.__cause__)
        return
    assert isinstance(items, list)
    for item in items:
        assert isinstance(item, (Document, Procedure))
        item.to_json()


@pytest.mark.parametrize("name", sorted(BODIES))
@pytest.mark.parametrize("kind", KINDS)
def test_every_fixture_as_every_kind(name, kind):
    check(kind, BODIES[name])


@pytest.mark.parametrize("name", sorted(BODIES))
def test_truncations(name):
    body, kind = BODIES[name], KIND_OF[name]
    rng = random.Random(name)
    cuts = sorted({rng.randrange(0, len(body)) for _ in range(24)} | {0, 1, len(body) // 2, len(body) - 1})
    for cut in cuts:
        check(kind, body[:cut])
        check(kind, body[cut:])


@pytest.mark.parametrize("name", sorted(BODIES))
def test_byte_manglings(name):
    body, kind = bytearray(BODIES[name]), KIND_OF[name]
    rng = random.Random(f"mangle-{name}")
    for _round in range(24):
        mangled = bytearray(body)
        for _ in range(rng.randint(1, 40)):
            at = rng.randrange(len(mangled))
            op = rng.choice(("flip", "delete", "insert", "nul"))
            if op == "flip":
                mangled[at] = rng.randrange(256)
            elif op == "delete":
                del mangled[at : at + rng.randint(1, 200)]
            elif op == "insert":
                mangled[at:at] = rng.choice(
                    (b"<", b">", b"&", b'"', b"{", b"]", b"\xff\xfe", b"</div>", b"<!--", b"\x00")
                )
            else:
                mangled[at] = 0
        check(kind, bytes(mangled))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(KINDS), body=st.one_of(st.binary(max_size=3000), st.text(max_size=3000)))
def test_random_input(kind, body):
    check(kind, body)


_SNIPPETS = st.sampled_from(
    [
        b"<NOTICE><WORK><RESOURCE_LEGAL_ID_CELEX><VALUE>32024L1760</VALUE></RESOURCE_LEGAL_ID_CELEX></WORK></NOTICE>",
        b'{"data": [{"type": "Process", "label": "2022/0051(COD)", "consists_of": [{"activity_date": "2024-13-45"}]}]}',
        b'{"data": [{"type": "Work", "identifier": "A-9-2024-0163", "title_dcterms": {"en": 5}}]}',
        b'<p class="DocumentTitle">2021/0106/COD</p><div class="eventRow"><div class="eventDate">31/02/2021</div></div>',
        b'<meta name="WT.z_docID" content="99999X1"/><div id="PP1Contents"></div>',
        b'<h2 class="es_title-h1">2024/0258(COD)</h2><div class="oeil-spy-section"><h2>Key events</h2></div>',
        b'<rss version="2.0"><channel><item><link>javascript:alert(1)</link></item></channel></rss>',
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(BODIES)),
    kind=st.sampled_from(KINDS),
    at=st.floats(0, 1),
    junk=st.one_of(_SNIPPETS, st.binary(max_size=200)),
)
def test_fixture_spliced_with_junk(name, kind, at, junk):
    body = BODIES[name]
    cut = int(len(body) * at)
    check(kind, body[:cut] + junk + body[cut:])
    check(KIND_OF[name], junk + body[cut:])


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["data", "id", "results", "bindings", "celex", "procedure", "value", "modified", "type", "timestamp"]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(data=_JSON)
def test_index_parsers_on_random_json(data):
    """The index parsers the spiders call directly (not through parse()) only raise ParseError too."""
    import json

    from spiders.parsers.ep_odp_feed import parse_atom, parse_meeting_list
    from spiders.parsers.sparql import parse_sparql

    body = json.dumps(data).encode()
    from spiders.parsers.ep_odp import parse_person

    for index_parser in (parse_sparql, parse_atom, parse_meeting_list, parse_person):
        with contextlib.suppress(ParseError):
            index_parser(body, URL)


_RECORD = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30) | st.sampled_from(
        [
            "Process",
            "Work",
            "2022/0051(COD)",
            "2024-13-45",
            "2024-04-24",
            "eli/dl/doc/A-9-2024-0163",
            "def/ep-activities/SIGNATURE",
            "def/ep-roles/RAPPORTEUR",
            "def/ep-roles/RAPPORTEUR_SHADOW_OPINION",
            "person/256884",
            "Person",
            "org/S-D",
            "http://data.europa.eu/eli/reg/2024/1689/oj",
            "<p>x</p>",
        ]
    ),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type", "label", "process_id", "process_type", "process_title", "current_stage", "en",
                    "consists_of", "was_scheduled_in", "had_participation", "activity_date", "activity_id",
                    "had_activity_type", "based_on_a_realization_of", "documented_by_a_realization_of",
                    "participation_role", "had_participant_person", "had_participant_organization", "politicalGroup",
                    "identifier", "title_dcterms", "creator", "is_realized_by", "id", "title_alternative",
                    "precedenceOrder", "participation_in_name_of", "givenName", "familyName", "upperFamilyName",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=30,
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(_RECORD, max_size=3), kind=st.sampled_from(["ep-odp-procedure", "ep-odp-document"]))
def test_odp_parsers_on_random_records(records, kind):
    """Records of every shape: the typed fast path and its lenient fallback only give items or
    a ParseError."""
    import json

    check(kind, json.dumps({"data": records}).encode())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(_RECORD, max_size=3))
def test_person_records_and_naming_on_random_records(records):
    """The MEP-record parser the EP spider calls directly gives a name or a ParseError; naming a
    procedure's people with what it gives keeps a valid procedure."""
    import json

    from spiders.parsers.ep_odp import parse_person, unnamed_people, with_names

    body = json.dumps({"data": records}).encode()
    names = {}
    with contextlib.suppress(ParseError):
        number, name = parse_person(body, URL)
        names[number] = name
    with contextlib.suppress(ParseError):
        for proc in parse("ep-odp-procedure", body, URL):
            named = with_names(proc, {n: names.get(n) or f"Name {n}" for n in unnamed_people([proc])})
            assert not unnamed_people([named])
            named.to_json()
