"""What each backend does beyond the shared contract: choosing it, reindexing without downtime,
failures that leave the old index in place, Elasticsearch's alias, mapping and errors."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest
from index_corpus import T_NEW, corpus, es_url, make_backend

from indexer import open_backend
from indexer.embedded import EmbeddedBackend
from indexer.errors import IndexerError
from policytrack.config import load_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.corpus import generate_documents


class Boom(Exception):
    pass


def test_open_backend_follows_the_settings(tmp_path):
    settings = load_settings(env={}, cwd=tmp_path)
    with open_backend(settings) as backend:
        assert isinstance(backend, EmbeddedBackend)
        assert backend.path == settings.data_dir / "index.sqlite3"
    es = replace(
        settings,
        index=replace(settings.index, backend="elasticsearch", es_url="http://127.0.0.1:9", es_index="policytrack"),
    )
    with open_backend(es) as backend:
        assert backend.name == "elasticsearch"
        with pytest.raises(IndexerError, match=r"^cannot reach Elasticsearch at http://127\.0\.0\.1:9 while counting"):
            backend.count()
    with pytest.raises(IndexerError, match="unknown search backend"):
        open_backend(replace(settings, index=replace(settings.index, backend="solr")))


def test_embedded_rebuild_keeps_readers_on_the_old_index(tmp_path):
    writer = EmbeddedBackend(tmp_path / "index.sqlite3")
    writer.index(corpus())
    reader = EmbeddedBackend(tmp_path / "index.sqlite3")
    seen = []

    def items():
        for n, pair in enumerate(corpus()[:4]):
            if n == 2:  # mid-rebuild, another connection still sees the whole old index
                seen.append((reader.count(), reader.search("tantalum").total))
            yield pair

    assert writer.index(items(), rebuild=True) == 4
    assert seen == [(12, 1)]
    assert reader.count() == 4 and reader.search("tantalum").total == 0


@pytest.mark.parametrize("kind", ["embedded", pytest.param("elasticsearch", marks=pytest.mark.requires_es)])
def test_failed_rebuild_leaves_the_old_index(kind, tmp_path, es_index_name):
    backend = make_backend(kind, tmp_path, es_index_name)
    try:
        backend.index(corpus())

        def items():
            yield from corpus()[:3]
            raise Boom("the store went away")

        with pytest.raises(Boom):
            backend.index(items(), rebuild=True)
        assert backend.count() == 12
        assert backend.search("tantalum").total == 1
    finally:
        if kind == "elasticsearch":
            backend.drop()
        backend.close()


@pytest.mark.parametrize("kind", ["embedded", pytest.param("elasticsearch", marks=pytest.mark.requires_es)])
def test_ids_go_past_one_page_and_the_result_window(kind, tmp_path, es_index_name):
    backend = make_backend(kind, tmp_path, es_index_name)
    try:
        docs = list(generate_documents(1_200, seed=7))
        assert backend.index((d, T_NEW) for d in docs) == 1_200
        assert sorted(backend.ids("")) == sorted(d.id for d in docs)
        assert backend.search("", per_page=1000, page=2).hits[0].id in {d.id for d in docs}
    finally:
        if kind == "elasticsearch":
            backend.drop()
        backend.close()


@pytest.fixture
def es(es_index_name):
    from indexer.elastic import ElasticBackend

    backend = ElasticBackend(es_url(), es_index_name)
    yield backend
    backend.drop()
    backend.es.options(ignore_status=404).indices.delete(index=es_index_name)
    backend.close()


@pytest.mark.requires_es
def test_es_rebuild_swaps_the_alias(es):
    es.index(corpus())
    [first] = es._targets()
    assert es.index(corpus()[:5], rebuild=True) == 5
    [second] = es._targets()
    assert second != first and second.startswith(es.alias + "-v")
    assert not es.es.indices.exists(index=first)  # the old index is gone
    assert es.count() == 5


@pytest.mark.requires_es
def test_es_mapping_is_explicit_and_uses_the_best_analyzer(es):
    es.index(corpus()[:1])
    [name] = es._targets()
    mapping = es.es.indices.get_mapping(index=name)[name]["mappings"]
    assert mapping["dynamic"] == "strict"
    assert mapping["properties"]["title"]["analyzer"] == es.analyzer()
    assert mapping["properties"]["topics"]["type"] == "keyword"
    plugins = {m["name"] for node in es.es.nodes.info(metric="modules")["nodes"].values() for m in node["modules"]}
    assert es.analyzer() == ("policytrack_text" if "analysis-common" in plugins else "standard")


@pytest.mark.requires_es
def test_es_refuses_a_plain_index_with_the_alias_name(es):
    es.es.indices.create(index=es.alias)
    for rebuild in (False, True):
        with pytest.raises(IndexerError, match="is a plain index, not policytrack's alias"):
            es.index(corpus()[:1], rebuild=rebuild)
    assert es.es.indices.get(index=f"{es.alias}-v*").body == {}  # no half-made versioned index left


@pytest.mark.requires_es
def test_es_deep_pages_are_refused_clearly(es):
    es.index(corpus()[:1])
    with pytest.raises(IndexerError, match="too deep for Elasticsearch"):
        es.search("", page=11, per_page=1000)


def test_es_bad_settings_are_clear():
    from indexer.elastic import ElasticBackend

    with pytest.raises(IndexerError, match="lower-case"):
        ElasticBackend("http://127.0.0.1:9200", "PolicyTrack")
