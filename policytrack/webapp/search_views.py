"""``/search`` (HTML), ``/search.json``, ``/search.atom`` and ``/search.csv``: one search, four forms.

Every search runs in a worker thread on a backend borrowed from the pool, after the rate limit
and the size checks. A malformed query is a 400 that says where the problem is, in each form.
"""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from indexer import QueryError, SearchResult
from indexer.query import parse

from .app_state import State, client_key, state_of
from .results import (
    FACETS,
    FEED_ENTRIES,
    SearchParams,
    as_atom,
    as_csv,
    as_json,
    facet_term,
    parse_params,
    rows,
    with_term,
    without_term,
)
from .security import TIMING


def _search(state: State, params: SearchParams, timing: dict[str, float], *, facets: bool) -> SearchResult:
    started = time.perf_counter()
    with state.pool.borrow() as backend:
        borrowed = time.perf_counter()
        try:
            return backend.search(params.q, page=params.page, per_page=params.per_page, facets=facets, sort=params.sort)
        finally:
            done = time.perf_counter()
            timing["wait"] = (borrowed - started) * 1000  # for a free backend of the pool
            timing["search"] = (done - borrowed) * 1000


async def _run(request: Request, *, facets: bool, **defaults: Any) -> tuple[SearchParams, SearchResult]:
    state = state_of(request)
    state.limits.hit("search", client_key(request))
    params = parse_params(request.query_params, max_chars=state.settings.app.max_query_chars, **defaults)
    # Server-Timing carries these next to the whole request's time (security.Guard).
    timing: dict[str, float] = request.scope.setdefault(TIMING, {})
    return params, await run_in_threadpool(_search, state, params, timing, facets=facets)


def _facet_view(result: SearchResult, q: str, topic_titles: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for facet in result.facets:
        if not facet.counts or facet.name not in FACETS:
            continue
        values = []
        for value, count in facet.counts:
            term = facet_term(facet.name, value)
            active = term is not None and term in q
            target = None if term is None else (without_term(q, term) if active else with_term(q, term))
            label = topic_titles.get(value, value) if facet.name == "topic" else value
            values.append({"label": label, "count": count, "q": target, "active": active})
        out.append({"name": facet.name, "label": FACETS[facet.name][0], "entries": values})
    return out


async def search_page(request: Request) -> Response:
    state = state_of(request)
    q = request.query_params.get("q", "")
    try:
        params, result = await _run(request, facets=True)
    except QueryError as e:
        return state.pages.render(
            request,
            "app/search.html",
            title="Search",
            status=400,
            q=q,
            error=e.problem,
            pointer=e.pointer(),
            result=None,
        )
    topic_titles = {t.slug: t.title for t in state.settings.topics}
    return state.pages.render(
        request,
        "app/search.html",
        title=f"{params.q} · Search" if params.q else "Search",
        q=params.q,
        params=params,
        error=None,
        result=result,
        rows=rows(result, state.settings.site.base_url),
        facets=_facet_view(result, params.q, topic_titles),
        pages=-(-result.total // params.per_page),
        sorts=(("relevance", "Relevance"), ("date", "Newest"), ("oldest", "Oldest")),
        signed_in=bool(request.session.get("sub")),
    )


def _query_error(e: QueryError) -> dict[str, Any]:
    return {"error": str(e), "position": e.position}


async def search_json(request: Request) -> Response:
    state = state_of(request)
    try:
        params, result = await _run(request, facets=True)
    except QueryError as e:
        return JSONResponse(_query_error(e), status_code=400)
    body = as_json(params, result, rows(result, state.settings.site.base_url))
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")


async def search_csv(request: Request) -> Response:
    state = state_of(request)
    try:
        _, result = await _run(request, facets=False, per_page=100)
    except QueryError as e:
        return PlainTextResponse(str(e) + "\n", status_code=400)
    return Response(
        as_csv(rows(result, state.settings.site.base_url)),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="policytrack-search.csv"'},
    )


async def search_atom(request: Request) -> Response:
    state = state_of(request)
    try:
        params, result = await _run(request, facets=False, per_page=FEED_ENTRIES, sort="date")
    except QueryError as e:
        return PlainTextResponse(str(e) + "\n", status_code=400)
    base = state.services.public_url
    feed_url = f"{base}search.atom?{params.url_query()}"
    html_url = f"{base}search?{params.url_query()}"
    body = as_atom(
        params,
        rows(result, state.settings.site.base_url),
        title=state.settings.site.title,
        feed_url=feed_url,
        html_url=html_url,
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def check_query(q: str) -> None:
    """Raise QueryError when ``q`` is not a valid query (before it is saved for a digest)."""
    parse(q)
