"""The replay server answers like the real sites: 200 with validators, 304, 404, robots.txt."""

from __future__ import annotations

import json
import urllib.request
from urllib.error import HTTPError
from urllib.parse import quote

import pytest

from spiders.errors import CrawlError
from spiders.replay import SHIPPED_RECORDING, manifest
from spiders.replay.server import ReplayServer

EURLEX_PROC = "https://eur-lex.europa.eu/procedure/EN/2021_106"


def get(server, url, headers=None):
    request = urllib.request.Request(f"{server.base_url}/replay?url={quote(url, safe='')}", headers=headers or {})
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


def test_notice_type_in_accept_header_selects_the_notice():
    with ReplayServer(SHIPPED_RECORDING) as server:
        url = "https://publications.europa.eu/resource/celex/32017R2403"
        status, _, body = get(server, url, {"Accept": "application/xml;notice=branch"})
        assert status == 200 and body.startswith(
            b'<?xml version="1.0" encoding="UTF-8"?>\n<NOTICE decoding="eng" type="branch">'
        )


def test_shipped_manifest_marks_every_entry_real_or_handmade():
    data = json.loads((SHIPPED_RECORDING / "manifest.json").read_text("utf-8"))
    assert "HAND-MADE" in data["comment"]
    entries = manifest.load(SHIPPED_RECORDING)
    real = [e for e in entries.values() if not e.handmade]
    handmade = [e for e in entries.values() if e.handmade]
    assert len(real) == 15 and all(e.file.startswith("real/") for e in real)
    assert len(handmade) == 23 and all(e.file.startswith("handmade/") for e in handmade)
    for e in handmade:
        head = (SHIPPED_RECORDING / e.file).read_text("utf-8")[:600]
        assert "HAND-MADE" in head, e.file


def test_manifest_naming_a_missing_file_is_an_error(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"entries": [{"url": "https://x/", "file": "gone.html"}]}))
    with pytest.raises(CrawlError, match=r"names a missing file 'gone\.html'"):
        manifest.load(tmp_path)
