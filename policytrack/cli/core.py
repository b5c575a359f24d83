"""``policytrack init`` and ``policytrack status``."""

from __future__ import annotations

import shutil
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from ..config import CONFIG_NAME, EURLEX_TOKEN_HELP
from ..content import load_content
from ..errors import PolicytrackError
from ..resources import default_config_text, site_dir
from .context import AppContext, pass_app


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Overwrite an existing policytrack.toml.")
def init(folder: Path, force: bool) -> None:
    """Create a working FOLDER with a configuration and the sample content."""
    config = folder / CONFIG_NAME
    if config.exists() and not force:
        raise PolicytrackError(f"{config} already exists (use --force to overwrite)")
    folder.mkdir(parents=True, exist_ok=True)
    config.write_text(default_config_text(), "utf-8")
    sample = site_dir() / "content"
    content = folder / "content"
    copied = 0
    if sample.is_dir():
        for src in sample.rglob("*"):
            dest = content / src.relative_to(sample)
            if src.is_file() and not dest.exists():
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest)
                copied += 1
    click.echo(f"Created {config} and {copied} sample content files in {content}.")
    click.echo(f"Next: cd {folder} && policytrack crawl --replay && policytrack index && policytrack site build")


@click.command()
@pass_app
def status(app: AppContext) -> None:
    """Show what the store holds and what changed recently."""
    settings = app.settings()
    console = Console()
    console.print(f"config: {settings.config_file or '(defaults)'}")
    console.print(f"store:  {settings.store_path}")
    console.print(f"index:  {settings.index.backend}")
    if not settings.crawl.eurlex_rss_token:
        console.print(f"My EUR-Lex saved-search feed: not followed (no token). {EURLEX_TOKEN_HELP}", highlight=False)
    if not settings.store_path.exists():
        console.print("The store is empty: run `policytrack crawl` first.")
        return
    with app.store(readonly=True) as store:
        table = Table(title="Stored items")
        table.add_column("kind")
        table.add_column("count", justify="right")
        for kind in ("procedure", "document"):
            table.add_row(kind, str(store.count(kind)))
        # Notes live as Markdown files in the content folder, not in the store.
        notes, broken = load_content(settings.site.content_dir)
        table.add_row("note (content folder)", f"{len(notes)}" + (f" + {len(broken)} broken" if broken else ""))
        console.print(table)
        by_topic = Table(title="Items per topic")
        by_topic.add_column("topic")
        by_topic.add_column("items", justify="right")
        counts = {t.slug: 0 for t in settings.topics}
        for item in store.items():
            for slug in getattr(item, "topics", ()):
                counts[slug] = counts.get(slug, 0) + 1
        for slug, n in counts.items():
            by_topic.add_row(slug, str(n))
        console.print(by_topic)
        recent = store.changes()[-10:]
        if recent:
            changes = Table(title="Latest changes")
            for col in ("when", "item", "change"):
                changes.add_column(col)
            for c in reversed(recent):
                changes.add_row(c.at.strftime("%Y-%m-%d %H:%M"), c.item_id, c.change)
            console.print(changes)


COMMANDS = [init, status]
