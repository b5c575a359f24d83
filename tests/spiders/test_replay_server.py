"""The replay server answers like the real sites: 200 with validators, 304, 404, robots.txt; the
variant a request asks for (notice type, media type, SPARQL query); gaps said to be gaps."""

from __future__ import annotations

import json
import urllib.request
from urllib.error import HTTPError
from urllib.parse import quote, urlencode

import pytest

from spiders.errors import CrawlError
from spiders.replay import SHIPPED_RECORDING, manifest
from spiders.replay.server import NOT_RECORDED, ReplayServer

EURLEX_PROC = "https://eur-lex.europa.eu/procedure/EN/2021_106"
WORK = "https://publications.europa.eu/resource/celex/32024L1760"
SPARQL = "https://publications.europa.eu/webapi/rdf/sparql"


def get(server, url, headers=None, data: bytes | None = None):
    request = urllib.request.Request(
        f"{server.base_url}/replay?url={quote(url, safe='')}", headers=headers or {}, data=data
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_serves_recorded_bytes_with_validators_and_304():
    with ReplayServer(SHIPPED_RECORDING) as server:
        status, headers, body = get(server, EURLEX_PROC)
        assert status == 200
        assert body == (SHIPPED_RECORDING / "real/eurlex/procedure_2021-0106-COD.html").read_bytes()
        status, _, body = get(server, EURLEX_PROC, {"If-None-Match": headers["ETag"]})
        assert (status, body) == (304, b"")
        assert get(server, "https://eur-lex.europa.eu/robots.txt")[0] == 200
        assert get(server, "https://eur-lex.europa.eu/not-recorded")[0] == 404
        assert [r.url for r in server.requests][:2] == [EURLEX_PROC, EURLEX_PROC]


def test_one_work_address_answers_its_notice_or_its_text_as_asked():
    with ReplayServer(SHIPPED_RECORDING) as server:
        status, _, body = get(server, WORK, {"Accept": "application/xhtml+xml", "Accept-Language": "eng"})
        assert status == 200 and body == (SHIPPED_RECORDING / "real/cellar/32024L1760_EN_OJ_cellar.xhtml").read_bytes()
        status, headers, _ = get(server, WORK, {"Accept": "application/xml;notice=branch"})
        assert (status, headers.get(NOT_RECORDED)) == (404, "not-recorded")  # a gap, said to be one
        real = "https://publications.europa.eu/resource/celex/32017R2403"
        status, _, body = get(server, real, {"Accept": "application/xml;notice=branch"})
        assert status == 200 and body.startswith(
            b'<?xml version="1.0" encoding="UTF-8"?>\n<NOTICE decoding="eng" type="branch">'
        )
        assert get(server, real, {"Accept": "application/xhtml+xml"})[0] == 404  # no text recorded for it


def test_sparql_queries_are_told_apart_by_their_first_line():
    with ReplayServer(SHIPPED_RECORDING) as server:
        for name, first in (("watched-acts", "32014L0024"), ("watched-procedures", "2013/0449/COD")):
            query = f"# policytrack: {name} (offset 0)\nSELECT …"
            status, _, body = get(server, SPARQL, data=urlencode({"query": query}).encode())
            assert status == 200 and first in body.decode()
        assert get(server, SPARQL, data=urlencode({"query": "SELECT * {}"}).encode())[0] == 404


def test_shipped_manifest_marks_every_entry_real_handmade_or_gap():
    data = json.loads((SHIPPED_RECORDING / "manifest.json").read_text("utf-8"))
    assert "HAND-MADE" in data["comment"] and "GAP" in data["comment"]
    entries = manifest.load(SHIPPED_RECORDING)
    real = [e for e in entries if not e.handmade and not e.gap]
    handmade = [e for e in entries if e.handmade]
    gaps = [e for e in entries if e.gap]
    assert len(real) == 21 and all(e.file.startswith("real/") for e in real)
    assert len(handmade) == 24 and all(e.file.startswith("handmade/") for e in handmade)
    # 15 pages, and the MEP records of the 21 people the recorded EP procedures name.
    assert len(gaps) == 15 + 21 and all(not e.file and e.note.startswith("GAP") for e in gaps)
    for e in handmade:
        if e.file.endswith(".json"):  # JSON has no comments: its note says it
            assert e.note.startswith("HAND-MADE"), e.file
        else:
            assert "HAND-MADE" in (SHIPPED_RECORDING / e.file).read_text("utf-8")[:1000], e.file
    # Nothing answers at an address the live crawl no longer asks.
    assert not any("oeil.secure" in e.url or "/feed?format=" in e.url or "myRssId" in e.url for e in entries)


def test_real_files_are_the_institutions_bytes(real_fixtures):
    for e in manifest.load(SHIPPED_RECORDING):
        if e.file.startswith("real/cellar/3"):
            assert (SHIPPED_RECORDING / e.file).read_bytes() == (
                real_fixtures / "cellar-texts" / e.file.rsplit("/", 1)[1]
            ).read_bytes()


def test_manifest_naming_a_missing_file_is_an_error(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"entries": [{"url": "https://x/", "file": "gone.html"}]}))
    with pytest.raises(CrawlError, match=r"names a missing file 'gone\.html'"):
        manifest.load(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"entries": [{"url": "https://x/"}]}))
    with pytest.raises(CrawlError, match="has no file"):
        manifest.load(tmp_path)
