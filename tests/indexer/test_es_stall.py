"""The waiting notice: the step that waits is named once, before its request gives up."""

from __future__ import annotations

import logging
import time

from indexer.es_stall import Stall


def notices(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "indexer.elastic"]


def test_a_step_without_an_answer_is_named_once_before_its_timeout(caplog):
    caplog.set_level(logging.WARNING, logger="indexer.elastic")
    stall = Stall("http://127.0.0.1:9200", timeout=1.2)
    try:
        with stall.step("bulk-loading the new index pt-v1"):
            time.sleep(1.1)  # past half the timeout, once
        assert [n.split(" (")[0] for n in notices(caplog)] == [
            "waiting for Elasticsearch at http://127.0.0.1:9200 while bulk-loading the new index pt-v1"
        ]
        assert notices(caplog)[0].endswith("giving up after 1.2 s)")
        caplog.clear()
        with stall.step("deleting the half-built index pt-v1", timeout=0.6):
            time.sleep(0.5)
        assert notices(caplog) and "giving up after 0.6 s" in notices(caplog)[0]
    finally:
        stall.close()


def test_answers_keep_a_long_step_quiet(caplog):
    caplog.set_level(logging.WARNING, logger="indexer.elastic")
    stall = Stall("http://127.0.0.1:9200", timeout=3.0)
    try:
        with stall.step("bulk-loading the index pt-v1"):
            for _ in range(12):  # 1.8 s in all, never 1.5 s without an answer
                time.sleep(0.15)
                stall.touch()
        with stall.step("searching"):
            pass
        time.sleep(1.8)  # no step open: nothing waits
        assert notices(caplog) == []
    finally:
        stall.close()
