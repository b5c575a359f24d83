"""The Elasticsearch backend (official client 8.x, the ``[es]`` extra).

The configured index name is an *alias* over a versioned index (``<name>-v<millis>``). Normal
indexing writes through the alias; ``rebuild`` fills a new versioned index and then moves the
alias in one atomic ``update_aliases`` call, so searches never see a half-built index, and the
old index is deleted afterwards.

The mapping is explicit. Elastic's minimal distributions lack the analysis-common module
(stemmers, ASCII folding, language analyzers), so the text analyzer is chosen when the index is
created: lowercase + ASCII folding + Porter stemming (what the embedded backend does) when the
node has those filters, else the built-in ``standard`` analyzer.

Faults: every request waits at most ``request_timeout`` seconds (no retry after a timeout), and
a step that waits longer than ``NOTICE_AFTER`` seconds is named in a log line ("waiting for
Elasticsearch at … while bulk-loading the new index …"), so a frozen node is neither a silent
hang nor an endless one. A rebuild that fails leaves the alias on the previous index and tries
to delete the half-built one; if the node cannot even do that, the one error line says so.
Searching an alias that does not exist (a node restarted without its data) is an error that
says how to build the index, not an empty result.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

from policytrack.timeutil import utc_text

from . import es_bulk
from .base import Backend, Facet, Hit, Item, SearchResult, SectionHit, check_paging
from .errors import IndexerError
from .es_query import HEADING_FIELDS, SECTION_FIELDS, compile_es
from .es_stall import Stall
from .fields import FACETS
from .query import Node, parse, positive_texts, words_part
from .sections import SHOWN, SNIPPET_CHARS, label_for, snippet_around

try:
    import elasticsearch
    from elasticsearch import Elasticsearch, helpers
except ImportError:  # pragma: no cover - exercised only without the extra
    elasticsearch = None  # type: ignore[assignment]

FACET_SIZE = 10
CLEANUP_TIMEOUT = 5.0  # a failed rebuild's clean-up must not wait as long again
log = logging.getLogger(__name__)
MAX_WINDOW = 10_000  # Elasticsearch's default index.max_result_window
CHUNK = es_bulk.CHUNK
# Sections (articles, recitals, annexes) are documents of the same index, kind "section", with
# text fields of their own: the items' BM25 statistics (per field) do not see them, and every
# search of items leaves them out.
NOT_SECTIONS = {"term": {"kind": "section"}}
_FACET_FIELDS = {
    "topics": "topics",
    "doc_type": "doc_type",
    "authors": "authors",
    "year": "year",
    "proc_type": "proc_type",
    "stage": "stage",
    "players": "players",
}
_SOURCE = ["id", "kind", "title", "doc_type", "date", "url", "procedure", "celex", "topics", "lead"]


def mapping(analyzer: str) -> dict[str, Any]:
    text = {"type": "text", "analyzer": analyzer}
    kw = {"type": "keyword"}
    return {
        "dynamic": "strict",
        "properties": {
            "id": kw,
            "kind": kw,
            "title": {**text, "fields": {"raw": {"type": "keyword", "ignore_above": 512}}},
            "body": {**text, "index_options": "offsets"},
            "meta": text,
            "doc_type": kw,
            "date": {"type": "date", "format": "yyyy-MM-dd"},
            "year": {"type": "integer"},
            "proc_type": kw,
            "stage": kw,
            "url": {"type": "keyword", "index": False, "doc_values": False},
            "procedure": kw,
            "celex": kw,
            "topics": kw,
            "authors": kw,
            "authors_norm": kw,
            "procedures": kw,
            "celexes": kw,
            "lead": {"type": "text", "index": False},
            "changed": {"type": "date"},
            "players": kw,
            "players_norm": kw,
            "parent": kw,
            "stamp": kw,
            "sec_kind": kw,
            "sec_priority": {"type": "byte"},
            "sec_order": {"type": "integer"},
            "sec_label": {"type": "keyword", "index": False, "doc_values": False},
            "anchor": {"type": "keyword", "index": False, "doc_values": False},
            "sec_heading": text,
            "sec_body": {**text, "index_options": "offsets"},
        },
    }


FOLDING_ANALYSIS = {
    "analyzer": {
        "policytrack_text": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["lowercase", "asciifolding", "porter_stem"],
        }
    }
}


class ElasticBackend(Backend):
    name = "elasticsearch"

    @property
    def target(self) -> str:
        return f"elasticsearch:{self.url}/{self.alias}"

    def __init__(
        self,
        url: str,
        index: str,
        *,
        username: str = "",
        password: str = "",
        api_key: str = "",
        request_timeout: float = 30.0,
    ) -> None:
        if elasticsearch is None:
            raise IndexerError(
                "the elasticsearch backend needs the Elasticsearch client: pip install 'policytrack[es]'"
            )
        self.url = url.rstrip("/")
        self.alias = index
        if not index or index != index.lower() or index.startswith(("_", "-", "+")):
            raise IndexerError(f"es_index {index!r} must be a lower-case Elasticsearch index name")
        # A refused connection is retried once (a node restarting); a timeout is not: a frozen
        # node would make every retry wait as long again.
        kwargs: dict[str, Any] = {"request_timeout": request_timeout, "max_retries": 1, "retry_on_timeout": False}
        if api_key:
            kwargs["api_key"] = api_key
        elif username:
            kwargs["basic_auth"] = (username, password)
        try:
            self.es = Elasticsearch(self.url, **kwargs)
        except ValueError as e:
            raise IndexerError(f"bad Elasticsearch URL {url!r}: {e}") from None
        self.timeout = request_timeout
        self._stall = Stall(self.url, request_timeout)
        # Concurrent _bulk requests and actions per request (benchmarks/bench_index.py tunes them).
        self.bulk_threads, self.bulk_chunk = es_bulk.THREADS, es_bulk.CHUNK
        self._analyzer: str | None = None

    # -- errors
    def _fail(self, e: Exception, doing: str) -> IndexerError:
        if isinstance(e, elasticsearch.ConnectionTimeout):
            return IndexerError(
                f"Elasticsearch at {self.url} did not answer within {self.timeout:g} s while {doing}: "
                "is it overloaded or stopped? (index.es_timeout sets the wait)"
            )
        if isinstance(e, elasticsearch.ConnectionError):
            return IndexerError(f"cannot reach Elasticsearch at {self.url} while {doing}: is it running?")
        if isinstance(e, elasticsearch.AuthenticationException):
            return IndexerError(f"Elasticsearch at {self.url} refused the credentials while {doing}")
        if isinstance(e, elasticsearch.ApiError):
            reason = _reason(e)
            return IndexerError(f"Elasticsearch at {self.url} failed while {doing}: {reason}")
        if isinstance(e, elasticsearch.UnsupportedProductError):
            return IndexerError(f"{self.url} is not an Elasticsearch 8 server: {e}")
        return IndexerError(f"Elasticsearch at {self.url} failed while {doing}: {e}")

    def _call(self, doing: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self._stall.step(doing):
            try:
                return fn(*args, **kwargs)
            except (elasticsearch.ApiError, elasticsearch.TransportError, elasticsearch.UnsupportedProductError) as e:
                raise self._fail(e, doing) from None

    def _missing(self) -> IndexerError:
        return IndexerError(
            f"there is no search index {self.alias!r} on Elasticsearch at {self.url} (a new or restarted node?): "
            "build it with `policytrack index`"
        )

    # -- index management
    def analyzer(self) -> str:
        """``policytrack_text`` when the node has the filters it needs, else ``standard``."""
        if self._analyzer is None:
            try:
                with self._stall.step("checking the analyzers"):
                    self.es.indices.analyze(
                        tokenizer="standard", filter=["lowercase", "asciifolding", "porter_stem"], text="Régulations"
                    )
                self._analyzer = "policytrack_text"
            except elasticsearch.BadRequestError:
                self._analyzer = "standard"
            except (elasticsearch.ApiError, elasticsearch.TransportError) as e:
                raise self._fail(e, "checking the analyzers") from None
        return self._analyzer

    def _create_versioned(self, *, for_bulk: bool) -> str:
        name = f"{self.alias}-v{time.time_ns() // 1_000_000}"
        analyzer = self.analyzer()
        settings: dict[str, Any] = {"number_of_shards": 1, "number_of_replicas": 0}
        if for_bulk:
            settings["refresh_interval"] = "-1"
        if analyzer != "standard":
            settings["analysis"] = FOLDING_ANALYSIS
        self._call(
            f"creating index {name}", self.es.indices.create, index=name, settings=settings, mappings=mapping(analyzer)
        )
        return name

    def _targets(self) -> list[str]:
        try:
            with self._stall.step(f"looking up alias {self.alias}"):
                return sorted(self.es.indices.get_alias(name=self.alias).body)
        except elasticsearch.NotFoundError:
            return []
        except (elasticsearch.ApiError, elasticsearch.TransportError) as e:
            raise self._fail(e, f"looking up alias {self.alias}") from None

    def ensure_index(self) -> str:
        """The index behind the alias, created (with the alias) when there is none."""
        targets = self._targets()
        if targets:
            return targets[-1]
        self._refuse_plain_index()
        name = self._create_versioned(for_bulk=False)
        self._call(
            "creating the alias",
            self.es.indices.update_aliases,
            actions=[{"add": {"index": name, "alias": self.alias, "is_write_index": True}}],
        )
        return name

    def _refuse_plain_index(self) -> None:
        if self._call("checking the index", self.es.indices.exists, index=self.alias):
            raise IndexerError(
                f"{self.alias!r} on {self.url} is a plain index, not policytrack's alias; "
                "delete it or choose another es_index"
            )

    def drop(self) -> None:
        """Delete the alias and every index behind it (tests, or a clean start)."""
        for name in self._targets():
            self._call(f"deleting {name}", self.es.indices.delete, index=name, ignore_unavailable=True)

    # -- writing
    def index(self, items: Iterable[tuple[Item, datetime]], *, rebuild: bool = False) -> int:
        if not rebuild:
            target = self.ensure_index()
            ids: list[str] = []
            count, stamp = self._bulk(target, _noting_ids(items, ids))
            self._call("refreshing", self.es.indices.refresh, index=target)
            # A re-indexed document may have lost sections: drop those this run did not write.
            self._drop_sections(target, ids, keep_stamp=stamp)
            return count
        old = self._targets()
        if not old:
            self._refuse_plain_index()
        new = self._create_versioned(for_bulk=True)
        try:
            count, _ = self._bulk(new, items, doing=f"bulk-loading the new index {new}")
            self._call(
                f"refreshing the new index {new}",
                self.es.indices.put_settings,
                index=new,
                settings={"refresh_interval": None},
            )
            self._call(f"refreshing the new index {new}", self.es.indices.refresh, index=new)
            actions: list[dict] = [{"remove": {"index": o, "alias": self.alias}} for o in old]
            actions.append({"add": {"index": new, "alias": self.alias, "is_write_index": True}})
            self._call("swapping the alias to the new index", self.es.indices.update_aliases, actions=actions)
        except IndexerError as e:
            raise IndexerError(f"{e} {self._abandon(new, old)}") from None
        except BaseException:
            self._abandon(new, old)
            raise
        for o in old:
            self._call(f"deleting the old index {o}", self.es.indices.delete, index=o, ignore_unavailable=True)
        return count

    def _abandon(self, new: str, old: list[str]) -> str:
        """Delete the half-built index of a failed rebuild; what a person should know about it.

        The node may be the reason the rebuild failed: a short timeout, and no exception out of
        here (it would hide the real error, as a traceback from the clean-up did).
        """
        kept = (
            f"Searches are unchanged: the alias {self.alias} still points at {', '.join(old)}"
            if old
            else f"The alias {self.alias} was not created"
        )
        wait = min(CLEANUP_TIMEOUT, self.timeout)
        try:
            quick = self.es.options(request_timeout=wait, ignore_status=404)
            with self._stall.step(f"deleting the half-built index {new}", timeout=wait):
                quick.indices.delete(index=new)
        except (elasticsearch.ApiError, elasticsearch.TransportError) as e:
            log.debug("clean-up of %s failed: %s", new, e)
            return f"{kept}; the half-built index {new} may be left on the node: delete it when the node is back."
        return f"{kept}; the half-built index {new} was deleted."

    def _bulk(self, index: str, items: Iterable[tuple[Item, datetime]], *, doing: str = "") -> tuple[int, str]:
        """Load ``items`` and their sections (``es_bulk``); how many items, and the run's stamp."""
        doing = doing or f"bulk-loading the index {index}"
        stamp = secrets.token_hex(8)
        with self._stall.step(doing):
            outcome = es_bulk.load(
                self.es,
                es_bulk.actions_of(index, items, stamp),
                touch=self._stall.touch,
                short=_short,
                threads=self.bulk_threads,
                chunk=self.bulk_chunk,
            )
        error = outcome.error
        if isinstance(error, (elasticsearch.ApiError, elasticsearch.TransportError)):
            raise self._fail(error, doing) from None
        if error is not None:
            raise error
        if outcome.failed:
            raise IndexerError(
                f"Elasticsearch at {self.url} rejected {outcome.failed} of "
                f"{outcome.ok + outcome.failed} items and sections (first: {outcome.first})"
            )
        return outcome.items, stamp

    def _drop_sections(self, index: str, parents: list[str], *, keep_stamp: str = "") -> None:
        """Delete the sections of ``parents`` (but those written by the run ``keep_stamp``).

        Found by a search and deleted by ``_bulk``: Elastic's minimal distribution has no
        ``_delete_by_query`` (the reindex module)."""
        stale: list[str] = []
        for i in range(0, len(parents), 1000):
            query: dict[str, Any] = {"bool": {"filter": [{"terms": {"parent": parents[i : i + 1000]}}]}}
            if keep_stamp:
                query["bool"]["must_not"] = [{"term": {"stamp": keep_stamp}}]
            stale += self._matching_ids(index, query, "finding old sections")
        if stale:
            self._delete_docs(index, stale, "old sections")

    def _delete_docs(self, index: str, ids: list[str], what: str) -> None:
        """Delete documents by id with ``_bulk`` (one already gone is no error), then refresh."""
        acts = ({"_op_type": "delete", "_index": index, "_id": i} for i in ids)
        try:
            for success, info in helpers.streaming_bulk(self.es, acts, chunk_size=CHUNK, raise_on_error=False):
                if not success and next(iter(info.values())).get("status") != 404:
                    raise IndexerError(f"Elasticsearch at {self.url} could not delete {what}: {info}")
        except (elasticsearch.ApiError, elasticsearch.TransportError) as e:
            raise self._fail(e, f"deleting {what}") from None
        self._call("refreshing", self.es.indices.refresh, index=index)

    def delete(self, ids: Iterable[str]) -> None:
        target = self.ensure_index()
        ids = list(ids)
        self._delete_docs(target, ids, "items")
        self._drop_sections(target, ids)

    # -- reading
    def count(self) -> int:
        try:
            return self.es.count(index=self.alias, query={"bool": {"must_not": [NOT_SECTIONS]}})["count"]
        except elasticsearch.NotFoundError:
            return 0
        except (elasticsearch.ApiError, elasticsearch.TransportError) as e:
            raise self._fail(e, "counting") from None

    def _query(self, tree: Node, changed_since: datetime | None) -> dict[str, Any]:
        out: dict[str, Any] = {"must": [compile_es(tree)], "must_not": [NOT_SECTIONS]}
        if changed_since is not None:
            out["filter"] = [{"range": {"changed": {"gte": utc_text(changed_since)}}}]
        return {"bool": out}

    def search(
        self,
        query: str,
        *,
        page: int = 1,
        per_page: int = 20,
        facets: bool = False,
        changed_since: datetime | None = None,
        sort: str = "relevance",
    ) -> SearchResult:
        check_paging(page, per_page, sort)
        tree = parse(query)
        q = self._query(tree, changed_since)
        start = (page - 1) * per_page
        if start + per_page > MAX_WINDOW:
            raise IndexerError(
                f"page {page} is too deep for Elasticsearch (at most {MAX_WINDOW} results); narrow the query"
            )
        body: dict[str, Any] = {
            "query": q,
            "from": start,
            "size": per_page,
            "track_total_hits": True,
            "_source": _SOURCE,
            "sort": _sort(sort),
            "highlight": {
                "pre_tags": ["«"],
                "post_tags": ["»"],
                "encoder": "default",
                "fields": {"body": {"fragment_size": 160, "number_of_fragments": 1, "no_match_size": 0}},
            },
        }
        if facets:
            body["aggs"] = {
                name: {
                    "terms": {
                        "field": _FACET_FIELDS[attr],
                        "size": FACET_SIZE,
                        "order": [{"_count": "desc"}, {"_key": "asc"}],
                    }
                }
                for name, attr in FACETS
            }
        try:
            with self._stall.step("searching"):
                resp = self.es.search(index=self.alias, **body)
        except elasticsearch.NotFoundError:
            raise self._missing() from None
        except (elasticsearch.ApiError, elasticsearch.TransportError) as e:
            raise self._fail(e, "searching") from None
        hits = self._with_sections(tuple(_hit(h) for h in resp["hits"]["hits"]), tree)
        facet_list: tuple[Facet, ...] = ()
        if facets:
            aggs = resp.get("aggregations", {})
            facet_list = tuple(
                Facet(
                    name, tuple((str(b.get("key_as_string", b["key"])), b["doc_count"]) for b in aggs[name]["buckets"])
                )
                for name, _ in FACETS
            )
        return SearchResult(query, resp["hits"]["total"]["value"], hits, facet_list, page, per_page)

    def ids(self, query: str, *, changed_since: datetime | None = None) -> Iterator[str]:
        """Every matching id, past the 10 000 window (``search_after`` on the id)."""
        return iter(self._matching_ids(self.alias, self._query(parse(query), changed_since), "searching"))

    def _matching_ids(self, index: str, query: dict[str, Any], doing: str) -> list[str]:
        out: list[str] = []
        after = None
        while True:
            extra: dict[str, Any] = {"search_after": after} if after else {}
            try:
                with self._stall.step(doing):
                    resp = self.es.search(
                        index=index,
                        query=query,
                        size=1000,
                        source=False,  # sent as `_source`; the client's typed name for it
                        sort=[{"id": "asc"}],
                        track_total_hits=False,
                        **extra,
                    )
            except elasticsearch.NotFoundError:
                raise self._missing() from None
            except (elasticsearch.ApiError, elasticsearch.TransportError) as e:
                raise self._fail(e, doing) from None
            hits = resp["hits"]["hits"]
            out += [h["_id"] for h in hits]
            if len(hits) < 1000:
                return out
            after = hits[-1]["sort"]

    def _with_sections(self, hits: tuple[Hit, ...], tree: Node) -> tuple[Hit, ...]:
        """The hits with their matching parts (``indexer/sections.py``): one request for the page,
        collapsed on the document, the first ``SHOWN`` of each with their whole text marked."""
        words = words_part(tree)
        parents = [h.id for h in hits if h.kind == "document"]
        if words is None or not parents:
            return hits
        # Matching parts score 1 when their heading holds one of the words, else 0: the sort is
        # operative parts first, then that, then the act's own order (indexer/sections.py).
        in_heading = [compile_es(t, HEADING_FIELDS) for t in positive_texts(words)]
        body: dict[str, Any] = {
            "query": {
                "bool": {
                    "filter": [compile_es(words, SECTION_FIELDS), {"terms": {"parent": parents}}],
                    "should": [{"constant_score": {"filter": {"bool": {"should": in_heading}}, "boost": 1}}],
                }
            },
            "collapse": {
                "field": "parent",
                "inner_hits": {
                    "name": "best",
                    "size": SHOWN,
                    "sort": [{"sec_priority": "asc"}, {"_score": "desc"}, {"sec_order": "asc"}],
                    "_source": ["sec_kind", "sec_label", "anchor"],
                    "highlight": {
                        "pre_tags": ["«"],
                        "post_tags": ["»"],
                        "encoder": "default",
                        # the whole text: the point of the first match is read from it
                        "fields": {"sec_body": {"number_of_fragments": 0, "no_match_size": 2 * SNIPPET_CHARS}},
                        "max_analyzed_offset": 999_999,
                    },
                },
            },
            "size": len(parents),
            "_source": False,
            "track_total_hits": False,
        }
        try:
            with self._stall.step("searching"):
                resp = self.es.search(index=self.alias, **body)
        except (elasticsearch.ApiError, elasticsearch.TransportError) as e:
            raise self._fail(e, "searching the sections") from None
        found: dict[str, tuple[tuple[SectionHit, ...], int]] = {}
        for group in resp["hits"]["hits"]:
            inner = group["inner_hits"]["best"]["hits"]
            shown = tuple(_section_hit(h) for h in inner["hits"])
            found[group["fields"]["parent"][0]] = (shown, inner["total"]["value"])
        out = []
        for h in hits:
            shown, total = found.get(h.id, ((), 0))
            if shown:
                h = replace(h, section=shown[0].label, anchor=shown[0].anchor, sections=shown, sections_total=total)
            out.append(h)
        return tuple(out)

    def close(self) -> None:
        self._stall.close()
        self.es.close()


def _sort(sort: str) -> list:
    date_desc = {"date": {"order": "desc", "missing": "_last"}}
    if sort == "relevance":
        return ["_score", date_desc, {"id": "asc"}]
    if sort == "date":
        return [date_desc, {"id": "asc"}]
    return [{"date": {"order": "asc", "missing": "_last"}}, {"id": "asc"}]


def _hit(h: dict) -> Hit:
    src = h["_source"]
    frags = h.get("highlight", {}).get("body") or []
    snippet = frags[0] if frags else (src.get("lead") or "")
    score = h.get("_score")
    return Hit(
        id=src["id"],
        kind=src["kind"],
        title=src["title"],
        score=float(score) if score is not None else 0.0,
        snippet=" ".join(snippet.split()),
        doc_type=src.get("doc_type") or "",
        date=src.get("date") or "",
        url=src.get("url") or "",
        procedure=src.get("procedure"),
        celex=src.get("celex"),
        topics=tuple(src.get("topics") or ()),
    )


def _section_hit(h: dict) -> SectionHit:
    src = h["_source"]
    marked = (h.get("highlight", {}).get("sec_body") or [""])[0]
    body = marked.replace("«", "").replace("»", "")
    kind = src["sec_kind"]
    return SectionHit(label_for(kind, src["sec_label"], marked, body), src["anchor"], kind, snippet_around(marked))


def _noting_ids(items: Iterable[tuple[Item, datetime]], ids: list[str]) -> Iterator[tuple[Item, datetime]]:
    for item, changed in items:
        ids.append(item.id)
        yield item, changed


def _short(error: Any) -> str:
    if isinstance(error, dict):
        return f"{error.get('type')}: {error.get('reason')}"[:300]
    return str(error)[:300]


def _reason(e: Exception) -> str:
    info = getattr(e, "info", None)
    if isinstance(info, dict) and isinstance(info.get("error"), dict):
        root = info["error"].get("root_cause") or [info["error"]]
        return _short(root[0])
    return " ".join(str(getattr(e, "message", e)).split())[:300]
