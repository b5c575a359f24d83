"""``policytrack site build`` and ``policytrack site serve``."""

from __future__ import annotations

import functools
import http.server
import sys
from email.utils import parseaddr
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..errors import PolicytrackError
from ..website import BuildOptions, build_site
from .context import AppContext, pass_app


@click.group("site")
def site() -> None:
    """Build and preview the static website."""


@site.command("build")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: [site] out_dir).",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings such as an unknown CELEX or procedure.")
@click.option("--no-search", is_flag=True, help="Skip the Pagefind search index.")
@click.option("--force", is_flag=True, help="Render every page, even those whose inputs did not change.")
@pass_app
def build(app: AppContext, out_dir: Path | None, strict: bool, no_search: bool, force: bool) -> None:
    """Render the site from the store and the content folder."""
    overrides = {"site": {"out_dir": str(out_dir.resolve())}} if out_dir else None
    settings = app.settings(overrides)
    opts = BuildOptions(
        out_dir=settings.site.out_dir,
        content_dir=settings.site.content_dir,
        store_path=settings.store_path,
        now=app.now(),
        title=settings.site.title,
        base_url=settings.site.base_url,
        topics=settings.topics,
        search=not no_search,
        force=force,
        unsubscribe_address=parseaddr(settings.digest.from_address)[1],
        app_url=settings.site.app_url and settings.site.app_url.rstrip("/") + "/",
    )
    err = Console(stderr=True)
    with Progress(
        TextColumn("rendering"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task("pages", total=None)
        result = build_site(opts, progress=lambda done, total: bar.update(task, completed=done, total=total))
    for w in result.warnings:
        click.echo(f"warning: {w}", err=True)
    for e in result.errors:
        click.echo(f"error: {e}", err=True)
    table = Table(title=f"Site built in {settings.site.out_dir}")
    for col in ("pages", "rendered", "unchanged", "removed", "other files", "warnings", "errors", "seconds"):
        table.add_column(col, justify="right")
    table.add_row(
        str(result.pages),
        str(result.written),
        str(result.unchanged),
        str(result.removed),
        str(result.files_written),
        str(len(result.warnings)),
        str(len(result.errors)),
        f"{result.timings.get('total', 0):.2f}",
    )
    Console().print(table)
    if result.up_to_date:
        click.echo("Nothing changed since the last build.")
    if result.search:
        click.echo(f"Search index: {result.search}")
    if result.errors:
        raise click.ClickException(f"{len(result.errors)} error(s) while building the site")
    if strict and result.warnings:
        raise click.ClickException(f"{len(result.warnings)} warning(s) and --strict")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        sys.stderr.write("%s\n" % (format % args))


@site.command("serve")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to serve (default: [site] out_dir).",
)
@click.option("--bind", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@pass_app
def serve(app: AppContext, folder: Path | None, bind: str, port: int) -> None:
    """Preview the built site on a local web server (Ctrl-C stops it)."""
    folder = folder or app.settings().site.out_dir
    if not (folder / "index.html").is_file():
        raise PolicytrackError(f"{folder}: no built site here (run `policytrack site build` first)")
    handler = functools.partial(_QuietHandler, directory=str(folder))
    try:
        server = http.server.ThreadingHTTPServer((bind, port), handler)
    except OSError as e:
        raise PolicytrackError(f"cannot listen on {bind}:{port}: {e.strerror}") from None
    click.echo(f"Serving {folder} at http://{bind}:{server.server_address[1]}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


COMMANDS = [site]
