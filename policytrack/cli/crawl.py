"""``policytrack crawl`` (follow the sources, or replay a recording) and ``policytrack parse``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from spiders import SPIDER_NAMES
from spiders.parsers import KINDS

from .context import AppContext, pass_app


@click.command()
@click.option(
    "--replay",
    "replay",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[DIR]",
    help="Crawl a recording offline: the one shipped with policytrack, or DIR.",
)
@click.option(
    "--record",
    "record",
    type=click.Path(file_okay=False, path_type=Path),
    help="Save every response of this crawl in DIR, for `--replay DIR` later.",
)
@click.option(
    "--spider",
    "spiders",
    type=click.Choice(SPIDER_NAMES),
    multiple=True,
    help="Only these spiders (repeatable). Default: all.",
)
@click.pass_context
@pass_app
def crawl(
    app: AppContext, ctx: click.Context, replay: str | None, record: Path | None, spiders: tuple[str, ...]
) -> None:
    """Follow EUR-Lex, Cellar and the European Parliament; store what is new or changed.

    Ends with a summary table per spider. Exit status 1 if a spider failed outright.
    """
    from rich.console import Console

    from spiders.summary import crawl as run_crawl
    from spiders.summary import default_replay, failed_outright, render

    settings = app.settings()
    replay_dir = None
    if replay is not None:
        replay_dir = Path(replay) if replay else default_replay(settings.crawl.replay_dir)
        if not replay_dir.is_absolute() and not replay_dir.exists():
            replay_dir = settings.root / replay_dir
        if record is not None:
            raise click.UsageError("--record saves a live crawl; it cannot be combined with --replay")
    verbose = ctx.find_root().params.get("verbose", 0)
    results = run_crawl(
        config_file=app.config_file or settings.config_file,
        spiders=list(spiders) or None,
        replay=replay_dir,
        record=record,
        verbose=verbose,
    )
    import sys

    render(results, Console() if sys.stdout.isatty() else Console(width=120))
    if failed_outright(results):
        names = ", ".join(r["spider"] for r in results if r["outright"])
        raise click.ClickException(f"spider(s) failed outright: {names}")


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kind", "kind", required=True, type=click.Choice(KINDS), help="What the file is: which parser to use.")
@click.option("--url", default="", help="The URL the file was fetched from (ids and links are read from it).")
def parse(file: Path, kind: str, url: str) -> None:
    """Print the items a parser extracts from a saved response, as JSON lines."""
    from spiders.errors import ParseError
    from spiders.parsers import parse as parse_items

    try:
        body = file.read_bytes()
    except OSError as e:
        raise click.ClickException(f"{file}: cannot read: {e.strerror}") from None
    try:
        items = parse_items(kind, body, url)
    except ParseError as e:
        message = str(e)
        if not url:  # name the file where the parser could only say "(no url)"
            message = message.replace("(no url)", str(file), 1)
        raise click.ClickException(f"{message} (--kind {kind})") from None
    for item in items:
        click.echo(json.dumps(item.to_dict(), ensure_ascii=False, sort_keys=True))


COMMANDS = [crawl, parse]
