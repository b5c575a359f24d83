"""``policytrack site build``: read everything once (phase one), then render (phase two).

Rebuilds are incremental (see ``incremental.py``): with no change in any input the build stops
after fingerprinting; otherwise only pages whose inputs changed are rendered again and pages
that no longer exist are removed. Files the builder did not write are never touched.
"""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
import time as clock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..model import Topic
from ..resources import site_dir as default_site_dir
from ..store import Store
from . import outputs
from .errors import SiteError
from .incremental import BUILDER_VERSION, Manifest, hash_strings, hash_tree
from .pages import Page, iter_pages
from .pagewriter import Job, render_pages, workers_available, write_file
from .render import make_environment
from .search import PART_PAGES, build_search_index
from .sitemodel import SiteModel, build_model

Progress = Callable[[int, int], None]


@dataclass
class BuildOptions:
    out_dir: Path
    content_dir: Path | None
    store_path: Path | None
    now: datetime
    title: str = "policytrack"
    base_url: str = "http://127.0.0.1:8000/"
    topics: tuple[Topic, ...] = ()
    unsubscribe_address: str = ""  # the digest's sender: unsubscribe requests go there
    app_url: str = ""  # the search app (`policytrack serve`), when there is one
    search: bool = True  # run Pagefind
    workers: int = 0  # processes rendering pages (0: one per CPU; 1: this process only)
    search_part_pages: int = PART_PAGES  # pages per Pagefind run (its memory grows with them)
    force: bool = False  # ignore the manifest and render everything
    site_dir: Path = field(default_factory=default_site_dir)  # templates/ and static/


@dataclass
class BuildResult:
    pages: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    files_written: int = 0
    up_to_date: bool = False  # nothing changed: nothing was rendered
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    search: str = ""
    search_peak_mb: dict[str, float] = field(default_factory=dict)  # Pagefind's peak memory per part indexed
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def _remove(out_dir: Path, rel: str) -> None:
    path = out_dir / rel
    try:
        path.unlink()
    except FileNotFoundError:
        return
    parent = path.parent
    while parent != out_dir and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def _layout_hash(opts: BuildOptions) -> str:
    return hash_strings(
        (
            BUILDER_VERSION,
            hash_tree(opts.site_dir / "templates"),
            hash_tree(opts.site_dir / "static"),
            opts.title,
            opts.base_url,
            opts.app_url,
            repr(opts.topics),
        )
    )


def build_site(opts: BuildOptions, progress: Progress | None = None) -> BuildResult:
    """Build (or bring up to date) the site in ``opts.out_dir``; see the module docstring."""
    # A build allocates a few objects per stored item and frees nothing until the end; with the
    # cyclic collector on, its full passes over 100k+ live items cost more than the build itself.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _build(opts, progress)
    finally:
        if was_enabled:
            gc.enable()


def _build(opts: BuildOptions, progress: Progress | None) -> BuildResult:
    started = clock.perf_counter()
    result = BuildResult()
    templates = opts.site_dir / "templates"
    if not (templates / "base.html").is_file():
        raise SiteError(f"{templates}: no templates here (base.html missing)")
    out_dir = opts.out_dir
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SiteError(f"{out_dir}: cannot create the output folder: {e.strerror}") from None
    # Opened with the build's topics: a store tagged with other topics is tagged again first.
    store = (
        Store(opts.store_path, readonly=True, topics=opts.topics)
        if opts.store_path and opts.store_path.exists()
        else None
    )
    if store is None:
        where = opts.store_path or "store"
        result.warnings.append(f"{where}: no store yet, the site shows the content only")
    try:
        layout = _layout_hash(opts)
        fingerprint = hash_strings(
            (
                layout,
                str(opts.store_path.resolve()) if store and opts.store_path else "-",  # no store without a path
                hash_strings(map(str, store.fingerprint())) if store else "-",
                hash_tree(opts.content_dir) if opts.content_dir else "-",
                opts.now.date().isoformat(),
                str(opts.search),
            )
        )
        manifest = Manifest.load(out_dir)
        result.timings["fingerprint"] = clock.perf_counter() - started
        if (
            not opts.force
            and manifest.fingerprint == fingerprint
            and manifest.outputs_exist(out_dir)
            and (manifest.search_indexed or not opts.search)
        ):
            result.up_to_date = True
            result.pages = result.unchanged = len(manifest.pages)
            # The warnings of the build that produced this output (they include the above).
            result.warnings = list(manifest.warnings)
            result.errors = list(manifest.errors)
            result.timings["total"] = clock.perf_counter() - started
            return result
        t0 = clock.perf_counter()
        model = build_model(
            store,
            opts.content_dir,
            title=opts.title,
            base_url=opts.base_url,
            topics=opts.topics,
            now=opts.now,
            unsubscribe_address=opts.unsubscribe_address,
            use_cache=not opts.force,
        )
        result.warnings += model.warnings
        result.errors += model.errors
        result.timings["model"] = clock.perf_counter() - t0

        t0 = clock.perf_counter()
        pages = list(iter_pages(model))
        # Pages read documents from the store as they render: it stays open until then.
        new_pages, searchable = _render_pages(opts, model, pages, layout, manifest, result, progress)
    finally:
        if store is not None:
            store.close()
    for rel in set(manifest.pages) - set(new_pages):
        _remove(out_dir, rel)
        result.removed += 1
    result.timings["render"] = clock.perf_counter() - t0

    t0 = clock.perf_counter()
    files: dict[str, bytes] = {}
    files.update(outputs.feeds(model))
    files["calendar.ics"] = outputs.calendar(model)
    files.update(outputs.sitemaps(model, pages))
    files.update(outputs.exports(model))
    files.update(_static_files(opts.site_dir / "static"))
    new_files = {}
    for rel, data in files.items():
        digest = _digest(data)
        new_files[rel] = digest
        if manifest.files.get(rel) != digest or not (out_dir / rel).exists():
            write_file(str(out_dir), rel, data)
            result.files_written += 1
    for rel in set(manifest.files) - set(new_files) - set(new_pages):
        _remove(out_dir, rel)
    result.timings["files"] = clock.perf_counter() - t0

    # Pagefind indexes the pages marked searchable (every page when none is, as Pagefind would).
    pages_to_index = {f: new_pages[f] for f in sorted(searchable)} or dict(new_pages)
    indexed, parts = manifest.search_indexed, manifest.search_parts
    if opts.search:
        t0 = clock.perf_counter()
        try:
            found = build_search_index(
                out_dir, pages_to_index, parts if indexed else {}, part_pages=opts.search_part_pages
            )
            result.search, result.search_peak_mb, parts, indexed = found.summary, found.peak_mb, found.parts, True
        except SiteError as e:
            result.errors.append(str(e))
            indexed, parts = False, {}
        result.timings["search"] = clock.perf_counter() - t0
    manifest = Manifest(
        fingerprint, new_pages, new_files, indexed and opts.search, result.warnings, result.errors, sorted(searchable)
    )
    # Without --no-search the bundles on disk are those of the pages the parts name: kept, a
    # later build indexes again only the parts whose pages changed since.
    manifest.search_parts = parts
    if result.errors:
        manifest.fingerprint = ""  # a build with errors is never "up to date"
    manifest.save(out_dir)
    result.timings["total"] = clock.perf_counter() - started
    return result


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _static_files(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {
        f"static/{p.relative_to(folder).as_posix()}": p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _render_pages(
    opts: BuildOptions,
    model: SiteModel,
    pages: list[Page],
    layout: str,
    manifest: Manifest,
    result: BuildResult,
    progress: Progress | None,
) -> tuple[dict[str, str], set[str]]:
    """Render the pages whose input hash moved (or whose file is gone); returns every page's hash
    and the searchable pages."""
    new_pages: dict[str, str] = {}
    todo: list[Page] = []
    base = f"{opts.out_dir}{os.sep}"
    old = manifest.pages
    for page in pages:
        digest = hash_strings((layout, page.template, page.path, *page.deps))
        new_pages[page.file] = digest
        if old.get(page.file) == digest and os.path.exists(base + page.file):
            result.unchanged += 1
        else:
            todo.append(page)
    total = len(pages)
    if len(todo) * 2 >= len(model.documents):
        model.documents.read_all()  # most pages: one pass over the store beats one read each
    env = make_environment(opts.site_dir / "templates")
    env.auto_reload = False  # templates do not change during a build: no stat() per page and template
    site = {"title": model.title, "base_url": model.base_url, "topics": model.topics, "app_url": opts.app_url}
    job = Job(env, str(opts.out_dir), site, model.base_url, todo)
    done = result.unchanged

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    workers = opts.workers or workers_available()
    found = render_pages(job, workers=workers if model.documents.all_loaded else 1, progress=step)
    result.written = len(todo)
    result.pages = total
    if progress is not None and not todo:
        progress(total, total)
    rendered = {page.file for page in todo}
    searchable = found | {f for f in manifest.searchable if f in new_pages and f not in rendered}
    return new_pages, searchable


def clean_output(out_dir: Path) -> None:
    """Remove a previous build completely (``--force`` with a clean slate)."""
    if out_dir.is_dir():
        shutil.rmtree(out_dir)
