"""``policytrack serve``: open the configured search backend and the store, build the search app
(``policytrack.webapp``) and run it on uvicorn.

One process: the rate limits live in its memory, and its threads search on a few backends side
by side (``[app] search_connections``). Behind a reverse proxy see docs/app.md.
"""

from __future__ import annotations

import logging
import socket

import click

from ..errors import PolicytrackError
from ..store import Store
from .context import AppContext, pass_app


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise PolicytrackError(f"cannot listen on {host}:{port}: {e.strerror}") from None
    sock.listen(2048)
    return sock


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free one).")
@click.option("--access-log", is_flag=True, help="Log every request (URLs can carry signed links: mind who reads it).")
@pass_app
def serve(app: AppContext, host: str, port: int, access_log: bool) -> None:
    """Run the search and subscription web app (Ctrl-C stops it)."""
    try:
        import uvicorn

        from indexer import INDEX_FILE, open_backend

        from ..webapp import Services, create_app
    except ImportError as e:
        raise PolicytrackError(
            f"`policytrack serve` needs the serve extra ({e.name} is missing): pip install 'policytrack[serve]'"
        ) from None
    settings = app.settings()
    if settings.index.backend == "embedded" and not (settings.data_dir / INDEX_FILE).is_file():
        raise PolicytrackError(f"no search index at {settings.data_dir / INDEX_FILE}: run `policytrack index` first")
    with open_backend(settings) as probe:
        held = probe.count()  # an unreachable Elasticsearch fails here, in one line
    sock = _listen(host, port)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    services = Services(
        settings=settings,
        open_backend=lambda: open_backend(settings),
        open_store=lambda: Store(settings.store_path),
        public_url=_with_slash(settings.site.app_url) or f"http://{shown}:{bound}/",
    )
    try:
        web = create_app(services)
    except PolicytrackError:
        sock.close()
        raise
    config = uvicorn.Config(
        web,
        proxy_headers=True,
        forwarded_allow_ips=settings.app.forwarded_allow_ips,
        root_path=settings.app.root_path.rstrip("/"),
        server_header=False,
        access_log=access_log,
        lifespan="on",
        log_level=logging.getLevelName(logging.getLogger().getEffectiveLevel()).lower(),
    )
    click.echo(
        f"Serving the {settings.index.backend} index ({held} items) at http://{shown}:{bound}/"
        f"{' as ' + services.public_url if settings.site.app_url else ''} (Ctrl-C to stop)"
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


def _with_slash(url: str) -> str:
    return url if not url or url.endswith("/") else url + "/"


COMMANDS = [serve]
