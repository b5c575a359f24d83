"""``policytrack subscribers …`` and ``policytrack digest build|send`` through click's CliRunner."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from policytrack.cli import main
from policytrack.digest.tokens import make_token
from policytrack.store import Store

from .conftest import SECRET, fill_store, write_notes


def write_config(tmp_path: Path, port: int = 25, secret: str = SECRET) -> Path:
    config = tmp_path / "policytrack.toml"
    config.write_text(
        '[project]\ndata_dir = "data"\n'
        '[site]\ncontent_dir = "content"\nbase_url = "https://tracker.example.org/"\n'
        f'[digest]\nsecret = "{secret}"\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\n',
        "utf-8",
    )
    return config


@pytest.fixture
def cli(tmp_path, monkeypatch):
    for name in [n for n in __import__("os").environ if n.startswith("POLICYTRACK_")]:
        monkeypatch.delenv(name)
    runner = CliRunner()
    state = {"config": write_config(tmp_path)}

    def invoke(*args: str):
        return runner.invoke(main, ["-c", str(state["config"]), *args], env={"COLUMNS": "250"})

    invoke.state = state  # type: ignore[attr-defined]
    return invoke


def test_add_list_remove(cli, tmp_path):
    r = cli("subscribers", "add", "ana@example.org", "--name", "Ana", "-t", "due-diligence", "-s", "csddd-downstream")
    assert r.exit_code == 0, r.output
    assert "Added ana@example.org (#1): topics due-diligence; searches csddd-downstream; language en" in r.output
    assert cli("subscribers", "add", "ben@example.org", "--language", "fr").exit_code == 0
    r = cli("subscribers", "list")
    assert r.exit_code == 0 and "2 subscribers" in r.output and "ana@example.org" in r.output
    assert cli("subscribers", "remove", "ben@example.org").output.strip() == "Unsubscribed ben@example.org"
    r = cli("subscribers", "list")
    assert "1 subscriber" in r.output and "ben@example.org" not in r.output
    assert "ben@example.org" in cli("subscribers", "list", "--all").output
    r = cli("subscribers", "remove", "ana@example.org", "--purge")
    assert r.exit_code == 0 and "Deleted ana@example.org" in r.output
    r = cli("subscribers", "remove", "ana@example.org")
    assert r.exit_code == 1 and "Error: 'ana@example.org' is not a subscriber" in r.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["bad address@example.org"], "Error: invalid email address 'bad address@example.org'"),
        (["ana@example.org\r\nBcc: x@example.org"], "Error: invalid email address"),
        (["ana@example.org", "-t", "space-mining"], "Error: unknown topic 'space-mining'; known: due-diligence"),
        (["ana@example.org", "-s", "nope"], "Error: unknown saved search 'nope'"),
        (["ana@example.org", "--name", "Ana\nBcc: x@example.org"], "line breaks or control characters"),
    ],
)
def test_add_refuses_bad_input_with_exit_1(cli, args, message):
    r = cli("subscribers", "add", *args)
    assert r.exit_code == 1 and message in r.output, r.output
    assert "0 subscribers" in cli("subscribers", "list").output


def test_usage_errors_exit_2(cli):
    assert cli("subscribers", "remove").exit_code == 2
    assert cli("subscribers", "import", "/no/such/file.csv").exit_code == 2
    assert cli("digest", "build").exit_code == 2


def test_remove_by_signed_token(cli):
    cli("subscribers", "add", "ana@example.org")
    forged = make_token("wrong-secret", 1, "ana@example.org")
    r = cli("subscribers", "remove", "--token", forged)
    assert r.exit_code == 1 and "signature does not match" in r.output
    r = cli("subscribers", "remove", "--token", make_token(SECRET, 1, "ana@example.org"))
    assert r.exit_code == 0 and "Unsubscribed ana@example.org" in r.output


def test_import_reports_rows_and_keeps_the_good_ones(cli, tmp_path):
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(
        "email,name,topics\nana@example.org,Ana,due-diligence\nnope,X,\n"
        "cy@example.org,Cy,public-procurement;space-mining\nben@example.org,Ben,\n",
        "utf-8",
    )
    r = cli("subscribers", "import", str(csv_file))
    assert r.exit_code == 1
    assert "2 added, 0 updated, 2 rejected" in r.output
    assert re.search(r"│\s+3 │ invalid email address 'nope'", r.output), r.output
    assert re.search(r"│\s+4 │ unknown topic 'space-mining'", r.output), r.output
    listed = cli("subscribers", "list").output
    assert "ana@example.org" in listed and "ben@example.org" in listed and "cy@example.org" not in listed
    csv_file.write_text("email,name\ndee@example.org,Dee\n", "utf-8")
    r = cli("subscribers", "import", str(csv_file))
    assert r.exit_code == 0 and "1 added, 0 updated, 0 rejected" in r.output


def populate(cli, tmp_path):
    now = datetime.now(UTC)
    fill_store(tmp_path / "data" / "store.sqlite3", now).close()
    write_notes(tmp_path / "content", now)
    for email, topic in [
        ("ana@example.org", "due-diligence"),
        ("ben@example.org", "circular-electronics"),
        ("cy@example.org", "public-procurement"),
    ]:
        assert cli("subscribers", "add", email, "-t", topic).exit_code == 0


def test_build_writes_one_eml_per_subscriber_and_sends_nothing(cli, tmp_path):
    populate(cli, tmp_path)
    out = tmp_path / "review"
    r = cli("digest", "build", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "3 written" in r.output
    files = sorted(p.name for p in out.glob("*.eml"))
    assert files == ["000001-ana@example.org.eml", "000002-ben@example.org.eml", "000003-cy@example.org.eml"]
    msg = message_from_bytes((out / files[0]).read_bytes(), policy=policy.default)
    assert msg["To"].addresses[0].addr_spec == "ana@example.org"
    text = msg.get_body(("plain",)).get_content()
    assert "2022/0051(COD)" in text and "What the omnibus means for due diligence" in text
    with Store(tmp_path / "data" / "store.sqlite3") as store:
        assert store.ledger.entries() == []


def test_build_without_a_secret_is_a_clear_error(cli, tmp_path):
    cli.state["config"] = write_config(tmp_path, secret="")
    populate(cli, tmp_path)
    r = cli("digest", "build", "--out", str(tmp_path / "out"))
    assert r.exit_code == 1 and "Error: digest.secret is not set" in r.output


def test_send_reports_per_recipient_and_exits_1_on_failure(cli, tmp_path, smtp_server):
    cli.state["config"] = write_config(tmp_path, port=smtp_server.port)
    populate(cli, tmp_path)
    smtp_server.refuse = {"ben@example.org"}
    r = cli("digest", "send")
    assert r.exit_code == 1, r.output
    assert re.search(r"ben@example.org .*│\s+\d+\s+│ failed\s+│ recipient refused: 550", r.output), r.output
    assert re.search(r"ana@example.org .*│ sent", r.output)
    assert "1 failed, 2 sent" in r.output and "run `policytrack digest send` again" in r.output
    smtp_server.refuse = set()
    r = cli("digest", "send")
    assert r.exit_code == 0, r.output
    assert "1 sent" in r.output and "ana@example.org" not in r.output
    r = cli("digest", "send")
    assert r.exit_code == 0 and "nothing to do" in r.output
    assert Counter(smtp_server.recipients()) == Counter(["ana@example.org", "ben@example.org", "cy@example.org"])


def test_send_with_the_server_down_exits_1_and_keeps_everything_pending(cli, tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cli.state["config"] = write_config(tmp_path, port=port)
    populate(cli, tmp_path)
    r = cli("digest", "send")
    assert r.exit_code == 1 and "3 not sent" in r.output and "cannot connect" in r.output
    with Store(tmp_path / "data" / "store.sqlite3") as store:
        assert store.ledger.counts() == {"pending": 3}


# ---------------------------------------------------------------- uncertain digests, settled one by one


def test_settle_lists_and_settles_each_uncertain_digest(cli, tmp_path, smtp_server):
    cli.state["config"] = write_config(tmp_path, port=smtp_server.port)
    populate(cli, tmp_path)
    smtp_server.drop_in_data_after = 0  # the server drops ana's digest after its final "."
    r = cli("digest", "send")
    assert r.exit_code == 1
    assert "1 uncertain: check the mail log, then `policytrack digest settle`" in r.output
    r = cli("digest", "settle")
    assert r.exit_code == 0 and "1 uncertain digest" in r.output and "ana@example.org" in r.output
    listed = json.loads(cli("digest", "settle", "--json").output)
    assert [(u["email"], u["attempts"]) for u in listed] == [("ana@example.org", 1)]
    assert listed[0]["message_id"] == smtp_server.seen[0].message["Message-ID"]
    assert "after the message was handed over" in listed[0]["error"]
    # wrong requests change nothing
    assert cli("digest", "settle", "ana@example.org").exit_code == 2  # delivered or resend?
    r = cli("digest", "settle", "ben@example.org", "--resend")
    assert r.exit_code == 1 and r.output.strip().splitlines() == [
        "Error: ben@example.org has no uncertain digest (uncertain: ana@example.org)"
    ]
    assert cli("digest", "settle", "--resend").exit_code == 1  # nobody named, no --all
    # the mail log shows the server did not keep it: back in line, sent by the next run
    r = cli("digest", "settle", "ANA@example.org", "--resend")
    assert r.exit_code == 0, r.output
    assert r.output.strip() == ("1 uncertain digest back in line: the next `digest send` sends them: ana@example.org")
    assert cli("digest", "settle").output.strip() == "No uncertain digests."
    r = cli("digest", "send")
    assert r.exit_code == 0 and "1 sent" in r.output and "(attempt 2)" in r.output
    assert Counter(smtp_server.recipients()) == Counter(["ana@example.org", "ben@example.org", "cy@example.org"])
    with Store(tmp_path / "data" / "store.sqlite3") as store:
        [ana] = store.ledger.entries(1)
        assert ana.state == "sent" and " resend: settled by " in ana.settled
        assert ana.reply.startswith("250 2.0.0 accepted as")


def test_settle_delivered_closes_the_period_without_sending(cli, tmp_path, smtp_server):
    cli.state["config"] = write_config(tmp_path, port=smtp_server.port)
    populate(cli, tmp_path)
    smtp_server.drop_in_data_after = 1
    assert cli("digest", "send").exit_code == 1
    r = cli("digest", "settle", "--all", "--delivered")
    assert r.exit_code == 0 and r.output.strip() == "1 uncertain digest marked delivered: ben@example.org"
    r = cli("digest", "send")
    assert r.exit_code == 0 and "nothing to do" in r.output
    assert sorted(smtp_server.recipients()) == ["ana@example.org", "cy@example.org"]  # as the log said
    with Store(tmp_path / "data" / "store.sqlite3") as store:
        assert store.ledger.counts() == {"sent": 3}


def test_build_warns_when_links_are_not_https(cli, tmp_path):
    config = write_config(tmp_path)
    config.write_text(config.read_text("utf-8").replace("https://tracker", "http://tracker"), "utf-8")
    populate(cli, tmp_path)
    r = cli("digest", "build", "--out", str(tmp_path / "review"))
    assert r.exit_code == 0, r.output
    assert r.stderr.splitlines() == [
        "Warning: unsubscribe links start with 'http://tracker.example.org/unsubscribe/': RFC 8058 one-click "
        "unsubscribe needs https, so mail providers will not offer it (set [site] base_url to an https:// address)"
    ]
    https = cli.state["config"] = write_config(tmp_path)
    assert https.is_file()
    r = cli("digest", "build", "--out", str(tmp_path / "review"))
    assert r.exit_code == 0 and "Warning" not in r.stderr


def test_settle_in_a_fresh_folder_lists_nothing_and_creates_no_store(cli, tmp_path):
    r = cli("digest", "settle")
    assert r.exit_code == 0 and r.output.strip() == "No uncertain digests."
    assert cli("digest", "settle", "--json").output.strip() == "[]"
    assert not (tmp_path / "data").exists()
