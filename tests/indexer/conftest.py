"""Fixtures for the indexer tests: a small corpus and both backends behind one parameter.

Elasticsearch tests run against the real node that ``scripts/test`` starts
(``POLICYTRACK_TEST_ES_URL``). Without it they skip — unless
``POLICYTRACK_TEST_REQUIRE_SERVICES=1``, where a missing node is a failure.
"""

from __future__ import annotations

import uuid

import pytest
from index_corpus import corpus, make_backend


@pytest.fixture
def es_index_name() -> str:
    """A unique alias per test, so parallel xdist workers never collide."""
    return f"pt-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=["embedded", pytest.param("elasticsearch", marks=pytest.mark.requires_es)])
def empty_backend(request, tmp_path, es_index_name):
    backend = make_backend(request.param, tmp_path, es_index_name)
    yield backend
    if request.param == "elasticsearch":
        backend.drop()
    backend.close()


@pytest.fixture
def backend(empty_backend):
    empty_backend.index(corpus())
    return empty_backend


@pytest.fixture
def corpus_items():
    return corpus()
