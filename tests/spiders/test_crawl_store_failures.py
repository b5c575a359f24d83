"""Nothing lost: text that cannot be stored is cleaned on the way in; an item the store still
refuses fails alone (counted, named) and its page is fetched again next run."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from crawl_fixtures import project_fixture  # noqa: F401 (pytest fixture `project`)
from recordings import SHIPPED

from policytrack.store import Store
from spiders.summary import crawl

DOCUMENT = "real/ep-odp/document_A-9-2024-0163.json"
DOCUMENT_ID = "ep:A-9-2024-0163"
TITLE = b'"en":"REPORT on amendments'
PROCEDURE_ID = "proc:2024/2006(REG)"


def copy_of_the_recording(project: Path) -> Path:
    rec = project / "rec"
    shutil.copytree(SHIPPED, rec)
    return rec


def with_lone_surrogate(rec: Path) -> None:
    """The real EP answer, its English title carrying the JSON escape of half a character
    (a variant derived here from the recorded file)."""
    path = rec / DOCUMENT
    body = path.read_bytes()
    assert TITLE in body
    path.write_bytes(body.replace(TITLE, b'"en":"\\ud800REPORT on amendments'))
    assert "\ud800" in json.dumps(json.loads(path.read_bytes()), ensure_ascii=False)


def stored_ids(project: Path) -> set[str]:
    with Store(project / "data" / "store.sqlite3", readonly=True) as store:
        return {i.id for i in store.items()}


def test_a_lone_surrogate_in_a_json_answer_is_stored_cleaned(project: Path):
    clean = crawl(config_file=None, replay=SHIPPED, spiders=["ep_odp"])
    everything = stored_ids(project)
    assert DOCUMENT_ID in everything
    shutil.rmtree(project / "data")

    rec = copy_of_the_recording(project)
    with_lone_surrogate(rec)
    [row] = crawl(config_file=None, replay=rec, spiders=["ep_odp"])
    assert row["failed"] == 0 and row["new"] == clean[0]["new"]
    assert stored_ids(project) == everything  # before: the whole batch was dropped
    with Store(project / "data" / "store.sqlite3", readonly=True) as store:
        title = store.get(DOCUMENT_ID).title
    assert title.startswith("\ufffdREPORT on amendments")


def refuse_in_store(project: Path, item_id: str) -> None:
    """A store that refuses one item's own record (a real SQLite error, raised by a trigger);
    what other items say about it (a document naming the procedure) is still written."""
    path = project / "data" / "store.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    Store(path).close()  # the schema
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON source_records WHEN NEW.item_id = ?1 AND NEW.origin = ''"
            " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END".replace("?1", f"'{item_id}'")
        )


def test_an_item_the_store_refuses_fails_alone_and_is_fetched_again(project: Path):
    crawl(config_file=None, replay=SHIPPED, spiders=["ep_odp"])
    everything = stored_ids(project)
    shutil.rmtree(project / "data")

    refuse_in_store(project, PROCEDURE_ID)
    [row] = crawl(config_file=None, replay=SHIPPED, spiders=["ep_odp"])
    assert stored_ids(project) == everything - {PROCEDURE_ID}  # the rest of its batch is stored
    assert row["failed"] == 1 and not row["outright"]
    [failure] = row["failures"]
    assert failure.startswith(f"{PROCEDURE_ID} (https://data.europarl.europa.eu/api/v2/procedures/2024-2006")
    assert "refused by the test" in failure

    with sqlite3.connect(project / "data" / "store.sqlite3") as conn:
        conn.execute("DROP TRIGGER refuse")
    [again] = crawl(config_file=None, replay=SHIPPED, spiders=["ep_odp"])
    assert again["failed"] == 0 and again["new"] >= 1
    assert stored_ids(project) == everything  # the crawl state had not advanced past it
    [third] = crawl(config_file=None, replay=SHIPPED, spiders=["ep_odp"])
    assert third["pages"] == 0 and third["new"] == 0  # and now it has
