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
from ..topics import note_topics
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
@click.option("--untracked", is_flag=True, help="List the items in no topic (kept in the store, not published).")
@click.option(
    "--sources", "item_id", metavar="ID", help="Show what each source said about one item (e.g. proc:2022/0051(COD))."
)
@pass_app
def status(app: AppContext, untracked: bool, item_id: str | None) -> None:
    """Show what the store holds: tracked and untracked items, topics, recent changes."""
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
        if item_id:
            _sources(console, store, item_id)
            return
        if untracked:
            _untracked(console, store)
            return
        table = Table(title="Stored items")
        table.add_column("kind")
        table.add_column("tracked", justify="right")
        table.add_column("untracked", justify="right")
        for kind in ("procedure", "document"):
            table.add_row(kind, str(store.count(kind, tracked=True)), str(store.count(kind, tracked=False)))
        # Notes live as Markdown files in the content folder, not in the store.
        notes, broken = load_content(settings.site.content_dir)
        table.add_row("note (content folder)", f"{len(notes)}" + (f" + {len(broken)} broken" if broken else ""), "")
        console.print(table)
        by_topic = Table(title="Items per topic")
        by_topic.add_column("topic")
        by_topic.add_column("dossiers", justify="right")
        by_topic.add_column("documents", justify="right")
        by_topic.add_column("notes", justify="right")
        counts = {t.slug: [0, 0, 0] for t in settings.topics}
        for rec in store.records(tracked=True):
            for slug in rec.item.topics:
                if slug in counts:
                    counts[slug][0 if rec.item.kind == "procedure" else 1] += 1
        dossiers = store.procedure_topics()
        for note in notes:
            for slug in note_topics(note, settings.topics, dossiers):
                counts[slug][2] += 1
        for slug, row in counts.items():
            by_topic.add_row(slug, *map(str, row))
        console.print(by_topic)
        untracked_n = store.count(tracked=False)
        if untracked_n:
            console.print(
                f"{untracked_n} items are in no topic: kept in the store, not published (`policytrack status --untracked`)."
            )
        recent = store.changes()[-10:]
        if recent:
            changes = Table(title="Latest changes")
            for col in ("noticed", "happened", "item", "change", "news"):
                changes.add_column(col)
            for c in reversed(recent):
                changes.add_row(
                    c.at.strftime("%Y-%m-%d %H:%M"),
                    c.happened.isoformat() if c.happened else "",
                    c.item_id,
                    c.change,
                    "yes" if c.news else ("no (baseline)" if c.baseline else "no (old)"),
                )
            console.print(changes)


def _untracked(console: Console, store) -> None:
    table = Table(title="Untracked items (in no topic: kept in the store, not published, indexed or digested)")
    table.add_column("id", no_wrap=True)
    table.add_column("title", ratio=1)
    table.add_column("sources", no_wrap=True)
    n = 0
    for rec in store.records(tracked=False):
        table.add_row(rec.item.id, rec.item.title[:100], ", ".join(rec.item.sources) or rec.item.source)
        n += 1
    console.print(table)
    console.print(
        f"{n} untracked items. To track one, list its procedure or CELEX number in a topic's watch list"
        " (or add a keyword or EuroVoc concept that matches it) in policytrack.toml."
    )


def _sources(console: Console, store, item_id: str) -> None:
    rec = store.get_record(item_id)
    if rec is None:
        raise PolicytrackError(f"{item_id}: not in the store")
    item = rec.item
    console.print(f"{item.id}: {item.title}")
    console.print(f"tracked: {'yes, topics ' + ', '.join(item.topics) if rec.tracked else 'no (in no topic)'}")
    table = Table(title="Records (what each source said)")
    table.add_column("source", no_wrap=True)
    table.add_column("from", no_wrap=True)
    for col in ("first fetched", "last fetched", "last changed"):
        table.add_column(col)
    for r in store.source_records(item_id):
        table.add_row(
            r.source,
            r.origin or "(the item itself)",
            r.first_fetched.strftime("%Y-%m-%d %H:%M"),
            r.fetched.strftime("%Y-%m-%d %H:%M"),
            r.changed.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)
    prov = Table(title="Provenance of the merged item")
    prov.add_column("field")
    prov.add_column("sources")
    for name, sources in item.provenance.items():
        prov.add_row(name, ", ".join(sources))
    console.print(prov)
    for d in item.disagreements:
        said = "; ".join(f"{s}: {v}" for s, v in d.values.items())
        console.print(f"disagreement on {d.field}: {said} (shown: {d.chosen})")


COMMANDS = [init, status]
