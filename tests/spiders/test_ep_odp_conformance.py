"""Every request to the EP Open Data API conforms to its official OpenAPI description
(tests/fixtures/real/ep-odp/openapi-v2.json): a path it lists, parameters it declares for that
path, values of the right type, pattern and enum. Checked on every URL of replayed crawls (a first
run and a second one, whose feed windows differ), with openapi-core doing the matching and the
value checks, and two rules of our own that OpenAPI leaves open: no undeclared query parameter,
and no path parameter taking the name of a literal path (``meetings/feed`` is not a meeting)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from crawl_fixtures import project_fixture  # noqa: F401 (pytest fixture `project`)
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from spiders.replay import SHIPPED_RECORDING
from spiders.summary import crawl

API = "https://data.europarl.europa.eu/api/v2"


class _Request:
    """A GET request as openapi-core reads one."""

    def __init__(self, url: str, accept: str) -> None:
        parts = urlsplit(url)
        self.host_url = f"{parts.scheme}://{parts.netloc}"
        self.path = parts.path
        self.full_url_pattern = url
        self.method = "get"
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(parts.query)),
            header=Headers({"Accept": accept}),
            cookie=ImmutableMultiDict(),
            path={},
        )
        self.content_type = ""
        self.body = None


class Description:
    def __init__(self, path: Path) -> None:
        spec = json.loads(path.read_text("utf-8"))
        # One response schema is a remote $ref (the API's own server); requests never use it.
        spec["components"]["schemas"]["daciSchema"] = {}
        self.raw = spec
        self.api = OpenAPI.from_dict(spec)
        self.literals = {seg for p in spec["paths"] for seg in p.strip("/").split("/") if not seg.startswith("{")}

    def _declared(self, template: str) -> set[str]:
        names = set()
        for param in self.raw["paths"][template]["get"].get("parameters", []):
            if "$ref" in param:
                param = self.raw["components"]["parameters"][param["$ref"].rsplit("/", 1)[-1]]
            if param["in"] == "query":
                names.add(param["name"])
        return names

    def problems(self, url: str, accept: str = "") -> list[str]:
        """What is wrong with a GET of ``url`` ([] when it conforms)."""
        if not url.startswith(API + "/"):
            return [f"not an address of the API: {url}"]
        out = [str(e) for e in self.api.unmarshal_request(_Request(url, accept)).errors]
        path = urlsplit(url).path[len("/api/v2") :]
        template = self._template(path)
        if template is None:
            return [*out, f"no path of the description: {path}"]
        for value, pattern in zip(path.strip("/").split("/"), template.strip("/").split("/"), strict=False):
            if pattern.startswith("{") and value in self.literals:
                out.append(f"{path}: {pattern} is {value!r}, the name of a path, not a value")
        for name, _ in parse_qsl(urlsplit(url).query):
            if name not in self._declared(template):
                out.append(f"{path}: query parameter {name!r} is not declared for {template}")
        return out

    def _template(self, path: str) -> str | None:
        """The description's path for ``path``: itself when listed, else the template it fills."""
        if path in self.raw["paths"]:
            return path
        segments = path.strip("/").split("/")
        for template in self.raw["paths"]:
            parts = template.strip("/").split("/")
            if len(parts) == len(segments) and all(
                p.startswith("{") or p == s for p, s in zip(parts, segments, strict=True)
            ):
                return template
        return None


@pytest.fixture(scope="module")
def description(real_fixtures) -> Description:
    return Description(real_fixtures / "ep-odp" / "openapi-v2.json")


def test_the_checker_refuses_what_the_description_lacks(description):
    assert description.problems(f"{API}/procedures/feed?timeframe=one-month") == []
    assert description.problems(f"{API}/meetings?year=2026&format=application%2Fld%2Bjson&offset=0&limit=50") == []
    # The requests of the first release, and other mistakes:
    cases = {
        f"{API}/meetings/feed?format=application%2Fld%2Bjson": "the name of a path",  # no such feed
        f"{API}/procedures/feed?format=application%2Fld%2Bjson": "'format' is not declared",  # feeds answer Atom
        f"{API}/plenary-documents/feed?timeframe=one-week": "'timeframe' is not declared",  # six feeds take one
        f"{API}/procedures/feed?timeframe=one-year": "Invalid query parameter: timeframe",  # not in the enum
        f"{API}/procedures/2025-260?format=application%2Fld%2Bjson": "Invalid path parameter: process-id",
        f"{API}/procedures/2025-0260?format=text%2Fhtml": "Invalid query parameter: format",
        f"{API}/meetings?date-from=2026-01-01": "'date-from' is not declared",  # a public client's guess
        f"{API}/votes/2026": "no path of the description",
    }
    for url, reason in cases.items():
        assert any(reason in p for p in description.problems(url)), url


def test_every_request_of_replayed_crawls_conforms(project: Path, description):
    urls: list[tuple[str, str]] = []
    for run in ("first", "second"):
        log = project / f"{run}.json"
        [row] = crawl(
            config_file=project / "policytrack.toml", replay=SHIPPED_RECORDING, spiders=["ep_odp"], request_log=log
        )
        assert not row["outright"] and row["failed"] == 0, row
        urls += [
            (r["url"], r["accept"]) for r in json.loads(log.read_text("utf-8")) if not r["url"].endswith("/robots.txt")
        ]
    assert len(urls) >= 10
    for url, accept in urls:
        assert description.problems(url, accept) == [], url
    feeds = [u for u, a in urls if "/feed" in u]
    assert all(a == "application/atom+xml" for u, a in urls if "/feed" in u)  # the type the description lists
    assert f"{API}/procedures/feed?timeframe=one-month" in feeds  # a first run: the longest window
    assert any(
        u.startswith(f"{API}/procedures/feed?timeframe=custom&start-date=") for u in feeds
    )  # then since the last
    assert not any("meetings/feed" in u for u, _ in urls)
    assert any(u.startswith(f"{API}/meps/") for u, _ in urls)  # the people the procedures name
