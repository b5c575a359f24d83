"""The ``policytrack`` command. Thin: options in, domain calls, errors out as one line.

Exit codes: 0 ok, 1 failure (a ``PolicytrackError`` or a run with failures), 2 usage.
Each verb lives in its own module and is registered here.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from ..errors import PolicytrackError
from .context import AppContext, pass_app

_CHATTY_LOGGERS = ("elastic_transport", "elasticsearch", "urllib3")


class Group(click.Group):
    """Turns every PolicytrackError raised by a verb into ``Error: <one line>`` and exit 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PolicytrackError as e:
            raise click.ClickException(str(e).splitlines()[0] if str(e) else type(e).__name__) from None


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-c",
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Configuration file (default: nearest policytrack.toml, or $POLICYTRACK_CONFIG).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="policytrack")
@click.pass_context
def main(ctx: click.Context, config_file: Path | None, verbose: int) -> None:
    """Follow EU legislation on fair electronics supply chains, publish briefings, send digests."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if verbose < 2:
        # HTTP clients log every retry with a traceback (55 lines for one node that is down);
        # the error that reaches the user says it once. -vv shows them.
        for name in _CHATTY_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
    ctx.obj = AppContext(config_file)


def _register() -> None:
    from . import core, crawl, digest, search, serve, site

    for module in (core, crawl, search, site, digest, serve):
        for command in module.COMMANDS:
            main.add_command(command)


_register()

__all__ = ["AppContext", "main", "pass_app"]
