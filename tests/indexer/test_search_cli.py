"""``policytrack index`` and ``policytrack search`` through click's CliRunner."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner
from index_corpus import T_NEW, T_OLD, corpus, es_url

from policytrack.cli import main
from policytrack.model import Note
from policytrack.store import Store


def _config(tmp_path, extra: str = "") -> str:
    path = tmp_path / "policytrack.toml"
    path.write_text(
        f"""
[project]
data_dir = "data"
{extra}

[[saved_searches]]
name = "downstream"
query = '"due diligence" AND downstream'
topics = ["due-diligence"]

[[saved_searches]]
name = "broken"
query = '(unclosed'
""",
        "utf-8",
    )
    return str(path)


def write_note(folder, note: Note) -> None:
    """A note as the content folder holds it: Markdown with YAML front matter."""
    meta = {
        k: v for k, v in note.to_dict().items() if k in ("title", "date", "topics", "authors", "procedures", "celex")
    }
    path = folder / f"{note.note_type}s" / f"{note.slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{yaml.safe_dump(meta, allow_unicode=True)}---\n{note.body}\n", "utf-8")


@pytest.fixture
def workdir(tmp_path):
    """The corpus: dossiers and documents in the store, the note in the content folder."""
    (tmp_path / "data").mkdir()
    items = corpus()
    with Store(tmp_path / "data" / "store.sqlite3") as store:
        for when in (T_OLD, T_NEW):
            store.upsert([i for i, t in items if t == when and not isinstance(i, Note)], when)
    for item, _ in items:
        if isinstance(item, Note):
            write_note(tmp_path / "content", item)
    return tmp_path


def run(config: str, *args: str):
    return CliRunner().invoke(main, ["-c", config, *args])


@pytest.fixture
def indexed(workdir):
    config = _config(workdir)
    result = run(config, "index")
    assert result.exit_code == 0, result.output
    return config


def test_index_reports_what_it_did(workdir):
    config = _config(workdir)
    result = run(config, "index")
    assert result.exit_code == 0, result.output
    assert "Indexed 12 items and removed 0 from the embedded index" in result.output
    assert "rebuilt (first run); it holds 12 items" in result.output
    assert (workdir / "data" / "index.sqlite3").is_file()
    again = run(config, "index", "--rebuild")
    assert again.exit_code == 0 and "rebuilt (asked); it holds 12 items" in again.output
    # Nothing changed: nothing is indexed again.
    quiet = run(config, "index")
    assert quiet.exit_code == 0 and "Indexed 0 items and removed 0" in quiet.output, quiet.output
    assert "only what changed since the last run; it holds 12 items" in quiet.output


def test_index_without_store_fails_clearly(tmp_path):
    result = run(_config(tmp_path), "index")
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == f"Error: no store at {tmp_path / 'data' / 'store.sqlite3'}: run `policytrack crawl` first"
    )


def test_search_prints_a_table_with_snippets(indexed):
    result = run(indexed, "search", "graphite")
    assert result.exit_code == 0, result.output
    assert "1 results for 'graphite'" in result.output
    assert "celex:32023R1542" in result.output
    assert "graphite" in result.output and "«" not in result.output  # marks become bold, not characters


def test_search_facets(indexed):
    result = run(indexed, "search", "--facets", "type:regulation")
    assert result.exit_code == 0, result.output
    assert "by topic" in result.output and "by year" in result.output
    assert "circular-electronics" in result.output


def test_search_json(indexed):
    result = run(indexed, "search", "--json", "--facets", "--limit", "2", "--page", "2", "--sort", "date", "")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["total"], data["page"], data["per_page"]) == (12, 2, 2)
    assert [h["id"] for h in data["hits"]] == ["celex:32024L1760", "celex:32024L1799"]
    assert dict(map(tuple, data["facets"]["procedure_type"]))["COD"] == 11


def test_bad_query_is_one_line_and_exit_1(indexed):
    result = run(indexed, "search", "repair AND")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: bad query at position 8: AND needs something after it"


def test_saved_search_with_since(indexed):
    result = run(indexed, "search", "--json", "--saved", "downstream")
    assert {h["id"] for h in json.loads(result.output)["hits"]} == {
        "celex:32024L1760",
        "ep:A-9-2023-0184",
        "note:downstream-briefing",
    }
    recent = run(indexed, "search", "--json", "--saved", "downstream", "--since", "2025-02-01")
    assert recent.exit_code == 0, recent.output
    assert {h["id"] for h in json.loads(recent.output)["hits"]} == {"ep:A-9-2023-0184", "note:downstream-briefing"}
    assert "(saved search downstream)" in run(indexed, "search", "--saved", "downstream").output


def test_saved_search_errors(indexed):
    unknown = run(indexed, "search", "--saved", "nope")
    assert unknown.exit_code == 1 and unknown.output.startswith("Error: unknown saved search 'nope'")
    broken = run(indexed, "search", "--saved", "broken")
    assert broken.exit_code == 1 and "never closed" in broken.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["search"], "missing QUERY"),
        (["search", "x", "--saved", "downstream"], "not both"),
        (["search", "x", "--since", "last week"], "not an ISO date"),
        (["search", "x", "--limit", "0"], "--limit"),
        (["search", "x", "--sort", "title"], "--sort"),
    ],
)
def test_usage_errors_exit_2(indexed, args, message):
    result = run(indexed, *args)
    assert result.exit_code == 2
    assert message in result.output


def test_unreachable_elasticsearch_is_one_line(workdir):
    config = _config(workdir, '[index]\nbackend = "elasticsearch"\nes_url = "http://127.0.0.1:9"\n')
    for args in (["index"], ["search", "repair"]):
        result = run(config, *args)
        assert result.exit_code == 1
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: cannot reach Elasticsearch at http://127.0.0.1:9")


@pytest.mark.requires_es
def test_index_and_search_on_elasticsearch(workdir, es_index_name):
    config = _config(
        workdir, f'[index]\nbackend = "elasticsearch"\nes_url = "{es_url()}"\nes_index = "{es_index_name}"\n'
    )
    try:
        assert run(config, "index").exit_code == 0
        rebuilt = run(config, "index", "--rebuild")
        assert rebuilt.exit_code == 0 and "rebuilt (asked); it holds 12 items" in rebuilt.output
        result = run(config, "search", "--json", "--saved", "downstream", "--since", "2025-02-01")
        assert {h["id"] for h in json.loads(result.output)["hits"]} == {"ep:A-9-2023-0184", "note:downstream-briefing"}
    finally:
        from indexer.elastic import ElasticBackend

        ElasticBackend(es_url(), es_index_name).drop()
