"""Issue 13, item 3, end to end on both backends: after the replayed crawl of the shipped
recording and `policytrack index`, `policytrack search downstream` finds Directive (EU)
2024/1760, Article 3 — point (g)(ii) of its paragraph 1, the downstream part of the "chain of
activities" — and links to that article."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from index_corpus import es_url

from policytrack.cli import main
from spiders.replay import SHIPPED_RECORDING
from spiders.summary import crawl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "spiders"))

from crawl_fixtures import project_fixture  # noqa: F401 (pytest fixture `project`)


def _cli(project: Path, *args: str, env: dict[str, str]) -> str:
    result = CliRunner().invoke(main, ["-c", str(project / "policytrack.toml"), *args], env={"COLUMNS": "200", **env})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("kind", ["embedded", pytest.param("elasticsearch", marks=pytest.mark.requires_es)])
def test_downstream_finds_article_3_of_the_csddd_after_the_replayed_crawl(kind, project, es_index_name):
    env = {"POLICYTRACK_INDEX_BACKEND": kind}
    if kind == "elasticsearch":
        env |= {"POLICYTRACK_INDEX_ES_URL": es_url(), "POLICYTRACK_INDEX_ES_INDEX": es_index_name}
    crawl(config_file=project / "policytrack.toml", replay=SHIPPED_RECORDING)
    try:
        _cli(project, "index", env=env)
        found = json.loads(_cli(project, "search", "downstream", "--json", env=env))
        csddd = next(h for h in found["hits"] if h["id"] == "celex:32024L1760")
        assert csddd["title"].startswith("Directive (EU) 2024/1760 of the European Parliament")
        assert (csddd["section"], csddd["anchor"]) == ("Article 3(1), point (g)(ii)", "art_3")
        assert "«downstream» business partners" in csddd["sections"][0]["snippet"]
        table = _cli(project, "search", "downstream", env=env)
        assert "→ Article 3(1), point (g)(ii); Recital" in table
    finally:
        if kind == "elasticsearch":
            from indexer.elastic import ElasticBackend

            with ElasticBackend(es_url(), es_index_name) as backend:
                backend.drop()
