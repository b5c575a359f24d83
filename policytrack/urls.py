"""Where each thing lives on the static site: one scheme shared by the site builder and the digest."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, urljoin

from .identifiers import parse_procedure


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@lru_cache(maxsize=65536)  # pages, exports and feeds ask for each dossier's path several times
def dossier_path(reference: str) -> str:
    """``2022/0051(COD)`` → ``dossiers/2022-0051-cod/``."""
    ref = parse_procedure(reference)
    return f"dossiers/{ref.year}-{ref.number:04d}-{(ref.type or 'x').lower()}/"


def document_path(item_id: str) -> str:
    """``celex:32024L1760`` → ``documents/celex-32024l1760/``."""
    return f"documents/{_slug(item_id)}/"


def note_path(slug: str) -> str:
    return f"notes/{slug}/"


def topic_path(slug: str) -> str:
    return f"topics/{slug}/"


def item_path(item_id: str) -> str:
    """The page of any stored item id (``proc:…``, ``note:…`` or a document id)."""
    if item_id.startswith("proc:"):
        return dossier_path(item_id[5:])
    if item_id.startswith("note:"):
        return note_path(item_id[5:])
    return document_path(item_id)


def absolute(base_url: str, path: str) -> str:
    return urljoin(base_url if base_url.endswith("/") else base_url + "/", path)


def fragment(anchor: str) -> str:
    """``#art_3``: a part's anchor as a URL fragment (some annex ids hold a no-break space)."""
    return "#" + quote(anchor, safe="") if anchor else ""


def official_text_url(celex: str, anchor: str = "") -> str:
    """EUR-Lex's HTML of an act (the Official Journal text, with the ids ``art_3``, ``rct_12``,
    ``anx_I`` of Cellar's XHTML), at one of its parts."""
    return f"https://eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=CELEX:{quote(celex, safe='-')}{fragment(anchor)}"
