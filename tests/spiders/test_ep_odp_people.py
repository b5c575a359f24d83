"""The people an EP procedure names only by number (``person/103246``) are key players by name:
each person's MEP record is asked once (names are kept between runs), the procedure is stored
once the names are answered, and a person whose record fails is shown as ``MEP 256884`` — the
procedure is never lost, and is read again next run when the failure was a passing one.

The procedures are derived from the real records (their participations narrowed to a few people,
one of them the person of the real MEP record ``meps__person-103246.json``); the MEP record is
the real one in the API's answer shape (``{"data": [record]}``)."""

from __future__ import annotations

import json
from pathlib import Path

from crawl_fixtures import project_fixture  # noqa: F401 (pytest fixture `project`)
from recordings import recording

from policytrack.config import load_settings
from policytrack.model import KeyPlayer, Procedure
from policytrack.store import Store
from spiders.summary import crawl

API = "https://data.europarl.europa.eu/api/v2"
JSONLD = "application/ld+json"


def mep(n: str) -> str:
    return f"{API}/meps/{n}?format=application%2Fld%2Bjson"


def procedure(n: str) -> str:
    return f"{API}/procedures/{n}?format=application%2Fld%2Bjson"


def feed(*ids: str) -> bytes:
    entries = "".join(
        f'<entry><id>x</id><link href="{API}/procedures/{i}" rel="alternate"/>'
        "<updated>2026-06-16T18:02:11.512Z</updated></entry>"
        for i in ids
    )
    return f'<feed xmlns="http://www.w3.org/2005/Atom"><title>p</title>{entries}</feed>'.encode()


def narrowed(real_fixtures: Path, name: str, people: dict[str, str]) -> bytes:
    """Derived variant of a real procedure: its committees, and only the people of ``people``
    (real person → person the variant names instead)."""
    data = json.loads((real_fixtures / "ep-odp" / name).read_bytes())
    kept = []
    for part in data["data"][0]["had_participation"]:
        persons = part.get("had_participant_person")
        if persons is None:
            kept.append(part)
        elif persons[0] in people:
            kept.append({**part, "had_participant_person": [people[persons[0]]]})
    data["data"][0]["had_participation"] = kept
    return json.dumps(data).encode()


def test_people_are_named_once_and_a_failed_record_loses_nothing(project: Path, real_fixtures):
    zijlstra = json.loads((real_fixtures / "ep-odp" / "feed-entries-jsonld" / "meps__person-103246.json").read_bytes())
    # 2025-0260: its rapporteur (person/1909) becomes 103246, its ECR shadow (256884) stays.
    first = narrowed(
        real_fixtures, "procedure_2025-0260.json", {"person/1909": "person/103246", "person/256884": "person/256884"}
    )
    # 2024-2006: its EPP shadow becomes 103246 too (the same person in two procedures).
    second = narrowed(real_fixtures, "procedure_2024-2006.json", {"person/2323": "person/103246"})
    common = [
        {
            "url": f"{API}/procedures/feed",
            "any_query": True,
            "content_type": "application/atom+xml",
            "body": feed("2025-0260", "2024-2006"),
        },
        {"url": f"{API}/plenary-documents/feed", "status": 204},
        {"url": f"{API}/meetings", "any_query": True, "content_type": JSONLD, "body": b'{"data": []}'},
        {"url": procedure("2025-0260"), "content_type": JSONLD, "body": first},
        {"url": procedure("2024-2006"), "content_type": JSONLD, "body": second},
        {"url": mep("103246"), "content_type": JSONLD, "body": json.dumps({"data": [zijlstra]}).encode()},
    ]
    rec = project / "rec"
    log = project / "log.json"
    # Run 1: the ECR shadow's record fails with a server error (a passing failure).
    recording(rec, *common, {"url": mep("256884"), "status": 503, "content_type": "text/plain", "body": b"busy"})
    [row] = crawl(config_file=project / "policytrack.toml", replay=rec, spiders=["ep_odp"], request_log=log)
    assert not row["outright"] and row["failed"] == 0, row
    assert any("MEP 123456" in note and "read again next run" in note for note in row["notes"]), row["notes"]
    asked = [r["url"] for r in json.loads(log.read_text("utf-8"))]
    assert asked.count(mep("103246")) == 1  # named in two procedures, asked once
    assert asked.count(mep("256884")) >= 1
    # Each procedure read, then read again once its people's records answered: stored from its page.
    assert asked.count(procedure("2025-0260")) == asked.count(procedure("2024-2006")) == 2

    settings = load_settings(project / "policytrack.toml")
    with Store(settings.store_path, readonly=True) as store:
        customs, rules = store.get("proc:2025/0260(COD)"), store.get("proc:2024/2006(REG)")
        assert isinstance(customs, Procedure) and isinstance(rules, Procedure)
        assert KeyPlayer("rapporteur", "Auke ZIJLSTRA", "INTA", "S&D") in customs.key_players
        assert KeyPlayer("shadow rapporteur", "MEP 256884", "INTA", "ECR") in customs.key_players  # never lost
        assert KeyPlayer("shadow rapporteur", "Auke ZIJLSTRA", "AFCO", "EPP") in rules.key_players
        assert not any("person/" in kp.name for p in (customs, rules) for kp in p.key_players)
    [people_file] = (project / "data" / "crawl").glob("state-replay-*/ep_odp-people.json")
    people = json.loads(people_file.read_text("utf-8"))
    assert people == {"names": {"103246": "Auke ZIJLSTRA"}, "retry": [procedure("2025-0260")]}

    # Run 2: the shadow's record answers now (derived from the real record: another person).
    other = {**zijlstra, "id": "person/256884", "identifier": "256884", "label": "Test SHADOW"}
    recording(
        rec, *common, {"url": mep("256884"), "content_type": JSONLD, "body": json.dumps({"data": [other]}).encode()}
    )
    [row] = crawl(config_file=project / "policytrack.toml", replay=rec, spiders=["ep_odp"], request_log=log)
    assert row["failed"] == 0 and row["notes"] == [], row
    asked = [r["url"] for r in json.loads(log.read_text("utf-8"))]
    assert mep("103246") not in asked  # known by name since the first run
    assert procedure("2024-2006") not in asked  # only the one to read again (then once more, named)
    assert asked.count(procedure("2025-0260")) == 2
    with Store(settings.store_path, readonly=True) as store:
        customs = store.get("proc:2025/0260(COD)")
        assert isinstance(customs, Procedure)
        assert KeyPlayer("shadow rapporteur", "Test SHADOW", "INTA", "ECR") in customs.key_players
        assert not any(kp.name.startswith("MEP ") for kp in customs.key_players)
    assert json.loads(people_file.read_text("utf-8"))["retry"] == []

    # Run 3: nothing changed, nothing asked but the indexes.
    [row] = crawl(config_file=project / "policytrack.toml", replay=rec, spiders=["ep_odp"], request_log=log)
    asked = [r["url"] for r in json.loads(log.read_text("utf-8"))]
    assert (row["pages"], row["failed"]) == (0, 0) and not any("/meps/" in u for u in asked)


def test_a_person_without_a_record_is_labelled_and_not_read_again(project: Path, real_fixtures):
    """A 404 (or a record with no name) is no passing failure: the label stays, no retry."""
    body = narrowed(real_fixtures, "procedure_2024-2006.json", {"person/197435": "person/197435"})
    rec = recording(
        project / "rec",
        {
            "url": f"{API}/procedures/feed",
            "any_query": True,
            "content_type": "application/atom+xml",
            "body": feed("2024-2006"),
        },
        {"url": f"{API}/plenary-documents/feed", "status": 204},
        {"url": f"{API}/meetings", "any_query": True, "content_type": JSONLD, "body": b'{"data": []}'},
        {"url": procedure("2024-2006"), "content_type": JSONLD, "body": body},
        {
            "url": mep("197435"),
            "content_type": JSONLD,
            "body": b'{"data": [{"id": "person/197435", "type": "Person"}]}',
        },
    )
    [row] = crawl(config_file=project / "policytrack.toml", replay=rec, spiders=["ep_odp"])
    assert row["failed"] == 0 and row["new"] == 1
    assert not any("read again" in n for n in row["notes"]) and any("MEP 123456" in n for n in row["notes"])
    settings = load_settings(project / "policytrack.toml")
    with Store(settings.store_path, readonly=True) as store:
        rules = store.get("proc:2024/2006(REG)")
        assert isinstance(rules, Procedure)
        assert KeyPlayer("rapporteur", "MEP 197435", "AFCO", "S&D") in rules.key_players
    [people_file] = (project / "data" / "crawl").glob("state-replay-*/ep_odp-people.json")
    assert json.loads(people_file.read_text("utf-8")) == {"names": {}, "retry": []}


def test_a_procedure_read_again_that_is_gone_holds_nothing_back(project: Path, real_fixtures):
    """A procedure on the list to read again (a person's record failed last run) that is gone
    (404): one failure naming it, dropped from the list, the feed's watermark moves all the same."""
    body = narrowed(real_fixtures, "procedure_2024-2006.json", {"person/197435": "person/197435"})
    common = [
        {"url": f"{API}/procedures/feed", "any_query": True, "status": 204},
        {"url": f"{API}/plenary-documents/feed", "status": 204},
        {"url": f"{API}/meetings", "any_query": True, "content_type": JSONLD, "body": b'{"data": []}'},
    ]
    rec = project / "rec"
    feed_entry = {
        "url": f"{API}/procedures/feed",
        "any_query": True,
        "content_type": "application/atom+xml",
        "body": feed("2024-2006"),
    }
    recording(
        rec,
        feed_entry,
        *common[1:],
        {"url": procedure("2024-2006"), "content_type": JSONLD, "body": body},
        {"url": mep("197435"), "status": 503, "content_type": "text/plain", "body": b"busy"},
    )
    [row] = crawl(config_file=project / "policytrack.toml", replay=rec, spiders=["ep_odp"])
    assert row["failed"] == 0 and row["new"] == 1
    [people_file] = (project / "data" / "crawl").glob("state-replay-*/ep_odp-people.json")
    assert json.loads(people_file.read_text("utf-8"))["retry"] == [procedure("2024-2006")]
    before = json.loads(people_file.with_name("ep_odp.json").read_text("utf-8"))["last_success"]

    recording(
        rec, *common, {"url": procedure("2024-2006"), "status": 404, "content_type": "text/plain", "body": b"gone"}
    )
    [row] = crawl(config_file=project / "policytrack.toml", replay=rec, spiders=["ep_odp"])
    assert row["failed"] == 1 and row["failures"] == [f"{procedure('2024-2006')}: HTTP 404"], row
    assert json.loads(people_file.read_text("utf-8"))["retry"] == []
    after = json.loads(people_file.with_name("ep_odp.json").read_text("utf-8"))["last_success"]
    assert after["ep-odp:procedures/feed"] > before["ep-odp:procedures/feed"]  # moved: nothing held back
    settings = load_settings(project / "policytrack.toml")
    with Store(settings.store_path, readonly=True) as store:
        assert store.get("proc:2024/2006(REG)") is not None  # stored last run, kept
