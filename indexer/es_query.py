"""Compile a query tree to an Elasticsearch query DSL dict.

Only structured clauses are produced (``multi_match`` of type phrase, ``term``, ``prefix``,
``range``, ``bool``), never ``query_string``: Lucene syntax typed by a user stays plain words.
"""

from __future__ import annotations

from typing import Any

from .query import And, Filter, MatchAll, Node, Not, Or, Text, has_text, words

TEXT_FIELDS = ["title^10", "body", "meta^4"]  # the same weights as the embedded BM25
SECTION_FIELDS = ["sec_heading", "sec_body"]  # a part of an act (indexer/sections.py)
HEADING_FIELDS = ["sec_heading"]
PREFIX_EXPANSIONS = 200

_TERM_FIELDS = {
    "celex": "celexes",
    "procedure": "procedures",
    "topic": "topics",
    "author": "authors_norm",
    "player": "players_norm",
    "type": "doc_type",
    "proctype": "proc_type",
    "stage": "stage",
}


def _phrase(text: str, prefix: bool, fields: list[str]) -> dict[str, Any]:
    clause: dict[str, Any] = {"query": text, "fields": fields, "type": "phrase_prefix" if prefix else "phrase"}
    if prefix:
        clause["max_expansions"] = PREFIX_EXPANSIONS
    return {"multi_match": clause}


def _text(node: Text, fields: list[str]) -> dict[str, Any]:
    # Match queries never interpret syntax. The standard tokenizer keeps some punctuated words
    # whole ("a:b") where the embedded tokenizer splits them, so a word with punctuation asks
    # for either form: as typed (analysed like the documents) or as its letter-and-digit runs.
    split = " ".join(words(node.text))
    if split == node.text.strip():
        return _phrase(split, node.prefix, fields)
    either = [_phrase(node.text, node.prefix, fields), _phrase(split, node.prefix, fields)]
    return {"bool": {"should": either, "minimum_should_match": 1}}


def _filter(f: Filter) -> dict[str, Any]:
    if f.field in _TERM_FIELDS:
        return {"term": {_TERM_FIELDS[f.field]: f.value}}
    if f.field == "procedure_prefix":
        return {"prefix": {"procedures": f.value}}
    if f.field == "date" and isinstance(f.value, tuple):  # the field decides the shape of the value
        lo, hi = f.value
        bounds = {k: v for k, v in (("gte", lo), ("lte", hi)) if v}
        return {"range": {"date": {**bounds, "format": "yyyy-MM-dd"}}}
    raise TypeError(f.field)


def compile_es(node: Node, fields: list[str] = TEXT_FIELDS) -> dict[str, Any]:
    """The query for ``node``; ``fields``: the text fields words are looked for in (weighted)."""
    if isinstance(node, MatchAll):
        return {"match_all": {}}
    if isinstance(node, Text):
        return _text(node, fields)
    if isinstance(node, Filter):
        return {"bool": {"filter": [_filter(node)]}}  # no score: filters do not rank
    if isinstance(node, Not):
        return {"bool": {"must_not": [compile_es(node.child, fields)]}}
    if isinstance(node, Or):
        return {"bool": {"should": [compile_es(c, fields) for c in node.children], "minimum_should_match": 1}}
    if isinstance(node, And):
        must, filt, must_not = [], [], []
        for c in node.children:
            if isinstance(c, Not):
                must_not.append(compile_es(c.child, fields))
            elif has_text(c):
                must.append(compile_es(c, fields))
            else:
                filt.append(compile_es(c, fields))
        out: dict[str, Any] = {}
        for key, val in (("must", must), ("filter", filt), ("must_not", must_not)):
            if val:
                out[key] = val
        return {"bool": out}
    raise TypeError(node)
