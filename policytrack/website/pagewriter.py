"""Render pages to files: in this process, or over every CPU when there are many.

A full build renders every page; each page is independent of the others once the model is built,
so on Linux the page list is split between forked worker processes, which inherit the model
(copy-on-write: nothing is pickled) and write their pages themselves. A rebuild that renders a
few pages does it in this process: starting workers costs more than it saves below
``PARALLEL_MIN`` pages. Workers never read the store (every document is read before they
start: ``Documents.read_all``): an SQLite connection must not cross a fork.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, Template

from .errors import SiteError
from .pages import Page
from .render import root_of
from .search import SEARCH_MARK

PARALLEL_MIN = 2000  # pages
CHUNK = 250  # pages a worker renders between two progress reports


@dataclass
class Job:
    env: Environment
    out_dir: str
    site: dict[str, Any]
    base_url: str
    pages: Sequence[Page]


_JOB: Job | None = None  # what forked workers inherit


def write_file(out_dir: str, rel: str, data: bytes) -> None:
    """Write ``out_dir/rel``, creating its folder: the fewest system calls a new page allows."""
    path = f"{out_dir}{os.sep}{rel}"
    folder = os.path.dirname(path)
    try:
        try:
            os.mkdir(folder)
        except FileExistsError:
            pass
        except FileNotFoundError:
            os.makedirs(folder, exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    except OSError as e:
        raise SiteError(f"{path}: cannot write: {e.strerror}") from None


def _render(job: Job, start: int, stop: int) -> list[str]:
    """Render pages ``start:stop``; returns the searchable ones (marked for Pagefind)."""
    cache: dict[str, Template] = {}
    searchable = []
    for page in job.pages[start:stop]:
        template = cache.get(page.template)
        if template is None:
            template = cache[page.template] = job.env.get_template(page.template)
        # A host serves 404.html at any depth: only absolute links work there.
        root = job.base_url if page.path == "404.html" else root_of(page.path)
        html = template.render(site=job.site, root=root, page=page, **page.context())
        write_file(job.out_dir, page.file, html.encode("utf-8"))
        if SEARCH_MARK in html:
            searchable.append(page.file)
    return searchable


def _work(span: tuple[int, int]) -> tuple[int, list[str]]:
    # What a template raises comes back to the parent as the same exception (Jinja's pickle).
    assert _JOB is not None
    return span[1] - span[0], _render(_JOB, *span)


def workers_available() -> int:
    """How many workers a build may use here (1: render in this process)."""
    if sys.platform != "linux" or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, len(os.sched_getaffinity(0)))


def render_pages(job: Job, *, workers: int, progress: Callable[[int], None] | None = None) -> set[str]:
    """Render and write ``job.pages``; ``progress(n)`` after each ``n`` more pages. Returns the
    pages that are searchable."""
    total = len(job.pages)
    spans = [(start, min(start + CHUNK, total)) for start in range(0, total, CHUNK)]
    workers = min(workers, workers_available(), len(spans))
    searchable: set[str] = set()
    if workers <= 1 or total < PARALLEL_MIN:
        for span in spans:
            searchable.update(_render(job, *span))
            if progress:
                progress(span[1] - span[0])
        return searchable
    global _JOB
    _JOB = job
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for done, found in pool.imap_unordered(_work, spans):
                searchable.update(found)
                if progress:
                    progress(done)
    finally:
        _JOB = None
    return searchable
