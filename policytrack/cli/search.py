"""``policytrack index`` (store → search index) and ``policytrack search`` (query → table).

A malformed query is a failure, not a usage error: ``Error: bad query at position N: …`` and
exit code 1 (like every other ``PolicytrackError``). Wrong options are usage errors (exit 2).
"""

from __future__ import annotations

import json
import shlex
import time
from dataclasses import asdict
from datetime import UTC, date, datetime

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from ..errors import PolicytrackError
from .context import AppContext, pass_app

BACKENDS = click.Choice(["embedded", "elasticsearch"])


def _open(app: AppContext, backend: str | None, *, must_exist: bool = False):
    from indexer import open_backend

    settings = app.settings({"index": {"backend": backend}} if backend else None)
    return settings, open_backend(settings, must_exist=must_exist)


@click.command("index")
@click.option("--rebuild", is_flag=True, help="Build a fresh index and swap it in (drops items no longer tracked).")
@click.option("--backend", type=BACKENDS, help="Override the configured backend.")
@pass_app
def index_cmd(app: AppContext, rebuild: bool, backend: str | None) -> None:
    """Index the tracked dossiers and documents and the content folder's notes.

    Only what changed since the last run (a watermark kept in the store), unless --rebuild.
    """
    from indexer.sync import sync_index

    from ..content import load_content

    settings = app.settings()
    if not settings.store_path.exists():
        raise PolicytrackError(f"no store at {settings.store_path}: run `policytrack crawl` first")
    settings, search_backend = _open(app, backend)
    console = Console(stderr=True)
    started = time.perf_counter()
    notes, broken = load_content(settings.site.content_dir)
    for e in broken:
        click.echo(f"warning: {e} (not indexed)", err=True)
    with app.store() as store, search_backend:
        with Progress(
            TextColumn("[bold]indexing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("index", total=None)
            report = sync_index(
                store,
                search_backend,
                notes,
                rebuild=rebuild,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        held = search_backend.count()
    elapsed = time.perf_counter() - started
    where = (
        settings.data_dir / "index.sqlite3"
        if search_backend.name == "embedded"
        else f"{settings.index.es_url} alias {settings.index.es_index}"
    )
    how = f"rebuilt ({report.reason})" if report.rebuilt else "only what changed since the last run"
    click.echo(
        f"Indexed {report.indexed} items and removed {report.deleted} from the {search_backend.name} index "
        f"({where}) in {elapsed:.1f}s, {how}; it holds {held} items."
    )


def _since(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date or time (e.g. 2025-01-31)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class _QueryCommand(click.Command):
    """``search -battery`` reads as options; say how to search for a term that starts with "-"."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = list(args)  # the parser consumes ``args``
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as e:
            word = next((a for a in given if a.startswith(e.option_name) and a != "--"), e.option_name)
            if word.startswith("--"):
                raise
            quoted = f"'{word}'" if "'" not in word else shlex.quote(word)
            raise click.UsageError(
                f"no option {word!r}; to search for a query that starts with '-', end the options with "
                f"'--': policytrack search -- {quoted}"
            ) from None  # no ctx: this one line is the whole message


@click.command("search", cls=_QueryCommand)
@click.argument("query", required=False)
@click.option("--saved", metavar="NAME", help="Run a saved search from the configuration.")
@click.option("--since", callback=_since, metavar="DATE", help="Only items changed since DATE (ISO date or time).")
@click.option("--facets", is_flag=True, help="Show counts per topic, type, author, year, procedure type, stage.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=20, show_default=True, help="Hits per page.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--sort", type=click.Choice(["relevance", "date", "oldest"]), default="relevance", show_default=True)
@click.option("--backend", type=BACKENDS, help="Override the configured backend.")
@pass_app
def search_cmd(
    app: AppContext,
    query: str | None,
    saved: str | None,
    since: datetime | None,
    facets: bool,
    as_json: bool,
    limit: int,
    page: int,
    sort: str,
    backend: str | None,
) -> None:
    """Search the index. QUERY uses the query language described in the README ("Query language"):

    \b
      "due diligence" AND downstream     celex:32024L1760
      ecodesign* type:regulation date:>=2022-01-01
      procedure:2022/0051(COD) -type:"press release"
    """
    if saved and query:
        raise click.UsageError("give a QUERY or --saved NAME, not both")
    if saved:
        query = app.settings().saved_search(saved).query
    if query is None:
        raise click.UsageError("missing QUERY (or --saved NAME)")
    _, search_backend = _open(app, backend, must_exist=True)
    with search_backend:
        result = search_backend.search(query, page=page, per_page=limit, facets=facets, changed_since=since, sort=sort)
    if as_json:
        out = {
            "query": result.query,
            "total": result.total,
            "page": result.page,
            "per_page": result.per_page,
            "hits": [asdict(h) for h in result.hits],
            "facets": {f.name: [list(c) for c in f.counts] for f in result.facets},
        }
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    _print(result, saved)


def _marked(snippet: str) -> Text:
    """The snippet with «matches» in bold; the text is never read as rich markup."""
    out = Text()
    rest = snippet
    while "«" in rest:
        before, _, after = rest.partition("«")
        match, sep, rest = after.partition("»")
        out.append(before)
        out.append(match, style="bold yellow")
        if not sep:
            rest = ""
    out.append(rest)
    return out


def _print(result, saved: str | None) -> None:
    console = Console()
    first = (result.page - 1) * result.per_page
    title = f"{result.total} results for {result.query!r}" + (f" (saved search {saved})" if saved else "")
    if result.hits:
        title += f", {first + 1}–{first + len(result.hits)}"
    table = Table(title=Text(title), show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("item", ratio=2)
    table.add_column("type")
    table.add_column("date", no_wrap=True)
    table.add_column("snippet", ratio=3)
    for i, hit in enumerate(result.hits, first + 1):
        item = Text(hit.title, style="bold")
        item.append(f"\n{hit.id}", style="dim")
        if hit.sections:
            # The parts of the act that hold the words, the first one's passage as the snippet.
            item.append("\n→ " + "; ".join(s.label for s in hit.sections), style="cyan")
            more = hit.sections_total - len(hit.sections)
            if more:
                item.append(f" (+{more} more)", style="cyan")
        snippet = hit.sections[0].snippet if hit.sections else hit.snippet
        table.add_row(str(i), item, Text(hit.doc_type), Text(hit.date), _marked(snippet))
    console.print(table)
    for facet in result.facets:
        if not facet.counts:
            continue
        ft = Table(title=Text(f"by {facet.name.replace('_', ' ')}"), show_header=False)
        ft.add_column(facet.name)
        ft.add_column("count", justify="right")
        for value, count in facet.counts:
            ft.add_row(Text(value), str(count))
        console.print(ft)


COMMANDS = [index_cmd, search_cmd]
