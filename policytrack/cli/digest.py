"""``policytrack digest build|send|settle`` and ``policytrack subscribers add|remove|list|import``."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from indexer import open_backend

from ..digest.errors import SubscriberError
from ..digest.run import PROBLEMS, UNCERTAIN, DigestRun, RunReport, backend_for
from ..digest.settle import Uncertain, settle, uncertain
from ..digest.smtp import Mailer, SmtpOptions
from ..digest.subscribers import Subscribers
from ..digest.tokens import token_subscriber, verify_token
from .context import AppContext, pass_app

_STYLE = {
    "sent": "green",
    "written": "green",
    "empty": "dim",
    "not due": "dim",
    "cancelled": "dim",
    "skipped": "dim",
    "failed": "red",
    "uncertain": "yellow",
    "not sent": "red",
}


def _console() -> Console:
    return Console(highlight=False)


# ---------------------------------------------------------------- subscribers


@click.group()
def subscribers() -> None:
    """Manage who receives the weekly digest."""


@subscribers.command("add")
@click.argument("email")
@click.option("--name", default="", help="Display name used in the greeting and the To header.")
@click.option("-t", "--topic", "topics", multiple=True, help="Topic slug to follow (repeatable).")
@click.option(
    "-s", "--search", "searches", multiple=True, help="Saved search name from the configuration (repeatable)."
)
@click.option("-q", "--query", "queries", multiple=True, help="An own search query to follow (repeatable).")
@click.option("--language", default="en", show_default=True, help="Language of the digest text.")
@click.option("--update", is_flag=True, help="Change an existing subscriber (re-activates an unsubscribed one).")
@pass_app
def add(app: AppContext, email: str, name: str, topics, searches, queries, language: str, update: bool) -> None:
    """Add a subscriber with the topics and saved searches they follow."""
    with app.store() as store:
        sub, outcome = Subscribers(store, app.settings()).add(
            app.now(),
            update=update,
            email=email,
            name=name,
            topics=topics,
            searches=searches,
            queries=queries,
            language=language,
        )
    click.echo(
        f"{outcome.capitalize()} {sub.email} (#{sub.id}): topics {', '.join(sub.topics) or '-'}; "
        f"searches {', '.join([*sub.searches, *sub.queries]) or '-'}; language {sub.language}"
    )


@subscribers.command("remove")
@click.argument("email", required=False)
@click.option("--token", help="Unsubscribe by the signed token of a List-Unsubscribe link instead.")
@click.option(
    "--purge", is_flag=True, help="Delete the subscriber and their ledger instead of marking them unsubscribed."
)
@pass_app
def remove(app: AppContext, email: str | None, token: str | None, purge: bool) -> None:
    """Unsubscribe EMAIL (kept as 'unsubscribed'; --purge deletes it)."""
    if bool(email) == bool(token):
        raise click.UsageError("give either EMAIL or --token")
    settings = app.settings()
    with app.store() as store:
        book = Subscribers(store, settings)
        if token:
            found = book.by_id(token_subscriber(token))
            if found is None:
                raise SubscriberError("the token names no known subscriber")
            verify_token(settings.digest.secret, token, found.email)
            email = found.email
        sub = book.remove(email, app.now(), purge=purge)  # type: ignore[arg-type]
    click.echo(f"{'Deleted' if purge else 'Unsubscribed'} {sub.email}")


@subscribers.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include unsubscribed addresses.")
@pass_app
def list_(app: AppContext, show_all: bool) -> None:
    """List subscribers and what they follow."""
    with app.store() as store:
        subs = list(Subscribers(store, app.settings()).all(active_only=not show_all))
    table = Table(title=f"{len(subs)} subscriber{'s' if len(subs) != 1 else ''}")
    for col in ("#", "email", "name", "topics", "searches", "lang", "status"):
        table.add_column(col, overflow="fold")
    for s in subs:
        table.add_row(
            str(s.id), s.email, s.name, ", ".join(s.topics), ", ".join([*s.searches, *s.queries]), s.language, s.status
        )
    _console().print(table)


@subscribers.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--encoding",
    metavar="NAME",
    help="The file's encoding when it is not UTF-8 or UTF-16 (which are recognised), e.g. cp1252.",
)
@pass_app
def import_(app: AppContext, csv_file: Path, encoding: str | None) -> None:
    """Add the rows of CSV_FILE (email,name,topics,searches,queries,language; lists split by ';').

    Bad rows are reported with their line number and skipped; good rows are kept. Exit 1 when
    any row was rejected.
    """
    settings = app.settings()
    with app.store() as store:
        report = Subscribers(store, settings).import_csv(csv_file, app.now(), encoding=encoding)
    console = _console()
    read_as = "" if report.encoding in ("utf-8", "utf-8-sig") else f" (read as {report.encoding})"
    console.print(f"{csv_file}{read_as}: {report.added} added, {report.updated} updated, {len(report.errors)} rejected")
    if report.errors:
        table = Table(title="Rejected rows")
        table.add_column("row", justify="right")
        table.add_column("reason", overflow="fold")
        for err in report.errors:
            table.add_row(str(err.row), err.reason)
        console.print(table)
        raise SystemExit(1)


# ---------------------------------------------------------------- digest


@click.group()
def digest() -> None:
    """Build or send the weekly digest emails."""


_min_gap = click.option(
    "--min-gap-hours",
    type=click.FloatRange(min=0),
    default=20,
    show_default=True,
    help="A subscriber whose last digest ended less than this long ago is not due.",
)


def _report_table(report: RunReport, title: str) -> Table:
    table = Table(title=title)
    for col in ("subscriber", "period", "items", "result", "detail"):
        table.add_column(col, overflow="fold")
    for r in report.results:
        period = f"{r.period.start:%Y-%m-%d %H:%M} → {r.period.end:%Y-%m-%d %H:%M}" if r.period else "-"
        style = _STYLE.get(r.status, "")
        table.add_row(
            r.subscriber.email, period, str(r.items), f"[{style}]{r.status}[/]" if style else r.status, r.detail
        )
    return table


def _summary(report: RunReport) -> str:
    counts: dict[str, int] = {}
    for r in report.results:
        counts[r.status] = counts.get(r.status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing to do"


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


@contextmanager
def _digest_run(app: AppContext, min_gap_hours: float) -> Iterator[DigestRun]:
    """A digest run over the store, with the search backend its saved searches need, closed after."""
    settings = app.settings()
    with app.store() as store:
        backend, why = backend_for(store, settings, lambda: open_backend(settings, must_exist=True))
        try:
            yield DigestRun(
                store, settings, app.now(), backend=backend, backend_error=why, min_gap=timedelta(hours=min_gap_hours)
            )
        finally:
            if backend is not None:
                backend.close()


def _warn_one_click(run: DigestRun) -> None:
    if run.renderer.one_click_problem:
        click.echo(f"Warning: {run.renderer.one_click_problem}", err=True)


@digest.command("build")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the .eml files (one per subscriber).",
)
@_min_gap
@pass_app
def build(app: AppContext, out_dir: Path, min_gap_hours: float) -> None:
    """Write the digest each due subscriber would get now as .eml files, for review. Sends nothing."""
    console = _console()
    with _digest_run(app, min_gap_hours) as run:
        _warn_one_click(run)
        total = sum(1 for _ in run.subscribers.all(active_only=True))
        with _progress(console) as bar:
            task = bar.add_task("Rendering digests", total=total)
            report = run.build(out_dir, progress=lambda r: bar.advance(task))
    console.print(_report_table(report, f"Digests written to {out_dir}"))
    console.print(_summary(report))
    if not report.ok:
        raise SystemExit(1)


@digest.command("send")
@click.option(
    "--resend-uncertain",
    is_flag=True,
    help="Also resend digests a crashed run may or may not have delivered (check the mail log first).",
)
@_min_gap
@pass_app
def send(app: AppContext, resend_uncertain: bool, min_gap_hours: float) -> None:
    """Send each due subscriber their digest over SMTP, exactly once (see the ledger)."""
    console = _console()
    with _digest_run(app, min_gap_hours) as run:
        _warn_one_click(run)
        plan = run.plan()
        with Mailer(SmtpOptions.from_settings(app.settings().digest)) as mailer, _progress(console) as bar:
            task = bar.add_task("Sending digests", total=len(plan))
            report = run.send(
                mailer, resend_uncertain=resend_uncertain, plan=plan, progress=lambda r: bar.advance(task)
            )
    console.print(_report_table(report, "Digest run"))
    console.print(_summary(report))
    if not report.ok:
        problems = sum(1 for r in report.results if r.status in PROBLEMS)
        uncertain = report.count(UNCERTAIN)
        console.print(
            f"[red]{problems} digest{'s' if problems != 1 else ''} not delivered; "
            "run `policytrack digest send` again to send the rest[/]"
            + (
                f"[yellow]; {uncertain} uncertain: check the mail log, then `policytrack digest settle`[/]"
                if uncertain
                else ""
            )
        )
        raise SystemExit(1)


@digest.command("settle")
@click.argument("emails", nargs=-1)
@click.option("--delivered", "decision", flag_value="delivered", help="The mail server took them: mark them sent.")
@click.option("--resend", "decision", flag_value="resend", help="It did not: the next `digest send` sends them again.")
@click.option("--all", "every", is_flag=True, help="Every uncertain digest (with --delivered or --resend).")
@click.option("--json", "as_json", is_flag=True, help="List the uncertain digests as JSON.")
@pass_app
def settle_cmd(app: AppContext, emails: tuple[str, ...], decision: str | None, every: bool, as_json: bool) -> None:
    """List uncertain digests, or settle those of EMAILS (or --all) as --delivered or --resend.

    A digest is uncertain when the whole message went to the mail server but the run stopped
    before its answer was recorded. Look its Message-ID up in the mail server's log, then settle
    it. Digests that never got that far are sent again by `digest send` on its own.
    """
    app.settings()  # a policytrack folder, or one line saying so
    if decision is None and (emails or every):
        raise click.UsageError("say what happened: --delivered or --resend")
    if decision is not None and as_json:
        raise click.UsageError("--json lists; it does not settle")
    if decision is None:
        rows: list[Uncertain] = []
        if app.settings().store_path.exists():  # else nothing was ever sent; a look makes no store
            with app.store() as store:
                rows = uncertain(store)
        if as_json:
            click.echo(json.dumps([u.as_dict() for u in rows], indent=2))
        else:
            _print_uncertain(rows)
        return
    with app.store() as store:
        done = settle(
            store, emails, delivered=decision == "delivered", every=every, now=app.now(), who=getpass.getuser()
        )
    verb = "marked delivered" if decision == "delivered" else "back in line: the next `digest send` sends them"
    click.echo(
        f"{len(done)} uncertain digest{'s' if len(done) != 1 else ''} {verb}: {', '.join(u.email for u in done)}"
    )


def _print_uncertain(rows: list[Uncertain]) -> None:
    console = _console()
    if not rows:
        console.print("No uncertain digests.")
        return
    table = Table(title=f"{len(rows)} uncertain digest{'s' if len(rows) != 1 else ''}")
    for col in ("subscriber", "period", "Message-ID", "handed over", "last error"):
        table.add_column(col, overflow="fold")
    for u in rows:
        e = u.entry
        period = f"{e.period.start:%Y-%m-%d %H:%M} → {e.period.end:%Y-%m-%d %H:%M}"
        table.add_row(u.email, period, e.message_id, e.handed_over, e.error or "-")
    console.print(table)
    console.print(
        "Look each Message-ID up in the mail server's log; then `policytrack digest settle EMAIL --delivered` "
        "for those it accepted and `--resend` for the others."
    )


COMMANDS = [digest, subscribers]
