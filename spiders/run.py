"""Run the spiders in this (child) process: ``python -m spiders.run --job JOB.json``.

Twisted's reactor starts once per process, so ``policytrack crawl`` runs every crawl in a child
process; tests can crawl again and again. The spiders run one after the other (polite, and the
store sees the sources in a fixed order), then a JSON summary is written for the parent.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
from pathlib import Path
from typing import Any

from policytrack.config import load_settings

from . import SPIDER_NAMES
from .challenge import BlockedHosts
from .child import die_with_parent

log = logging.getLogger("spiders.run")


def scrapy_settings(job: dict[str, Any], replay_base: str = ""):
    """Scrapy settings from the project module, policytrack.toml and the job."""
    from scrapy.settings import Settings

    cfg = load_settings(job.get("config_file"))
    settings = Settings()
    settings.setmodule("spiders.settings", priority="project")
    crawl = cfg.crawl
    settings.set("USER_AGENT", crawl.user_agent.replace("{contact_email}", cfg.project.contact_email), "cmdline")
    settings.set("DOWNLOAD_DELAY", crawl.download_delay, "cmdline")
    settings.set("AUTOTHROTTLE_ENABLED", crawl.autothrottle, "cmdline")
    settings.set("DOWNLOAD_TIMEOUT", crawl.page_timeout, "cmdline")
    settings.set("POLICYTRACK_FEED_TIMEOUT", crawl.feed_timeout, "cmdline")
    settings.set("POLICYTRACK_SPARQL_TIMEOUT", crawl.sparql_timeout, "cmdline")
    settings.set("POLICYTRACK_EURLEX_RSS_TOKEN", crawl.eurlex_rss_token, "cmdline")
    settings.set("POLICYTRACK_CRAWL_DELAY_SCALE", float(job.get("crawl_delay_scale", 1.0)), "cmdline")
    # One list for the whole run: a host that challenged one spider is not asked by the next.
    settings.set("POLICYTRACK_BLOCKED_HOSTS", BlockedHosts(), "cmdline")
    crawl_dir = cfg.data_dir / "crawl"
    if replay_base:
        # The replay server is local and the recording fixed: no delays, no cache in between.
        settings.set(
            "DOWNLOAD_HANDLERS",
            {
                "http": "spiders.replay.handler.ReplayDownloadHandler",
                "https": "spiders.replay.handler.ReplayDownloadHandler",
            },
            "cmdline",
        )
        settings.set("POLICYTRACK_REPLAY_BASE", replay_base, "cmdline")
        settings.set("DOWNLOAD_DELAY", 0, "cmdline")
        settings.set("AUTOTHROTTLE_ENABLED", False, "cmdline")
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 8, "cmdline")
        state = f"state-replay-{hashlib.sha1(str(Path(job['replay']).resolve()).encode()).hexdigest()[:10]}"
    else:
        settings.set("HTTPCACHE_ENABLED", crawl.http_cache, "cmdline")
        settings.set("HTTPCACHE_DIR", str(crawl_dir / "httpcache"), "cmdline")
        state = "state-live"
    if job.get("record"):
        record = Path(job["record"]).resolve()
        settings.set("POLICYTRACK_RECORD_DIR", str(record), "cmdline")
        # A recording must hold every response: start from a state of its own, so that nothing
        # is skipped as "already seen" and no 304 replaces a body.
        state = f"state-record-{hashlib.sha1(str(record).encode()).hexdigest()[:10]}"
    settings.set("POLICYTRACK_STATE_DIR", str(crawl_dir / state), "cmdline")
    settings.set("POLICYTRACK_STORE_PATH", str(cfg.store_path), "cmdline")
    settings.set("POLICYTRACK_TOPICS", cfg.topics, "cmdline")
    settings.set("POLICYTRACK_WATCHED_CELEX", sorted({c for t in cfg.topics for c in t.celex}), "cmdline")
    settings.set("POLICYTRACK_WATCHED_PROCEDURES", sorted({p for t in cfg.topics for p in t.procedures}), "cmdline")
    settings.set("POLICYTRACK_WATCHED_EUROVOC", sorted({e for t in cfg.topics for e in t.eurovoc_ids}), "cmdline")
    settings.set("LOG_LEVEL", job.get("log_level", "WARNING"), "cmdline")
    return settings


def spider_summary(
    name: str, stats: dict[str, Any], failures: list[str], notes: list[str] | None = None
) -> dict[str, Any]:
    def get(key: str) -> int:
        return int(stats.get(f"policytrack/{key}", 0))

    exceptions = sum(v for k, v in stats.items() if k.startswith("spider_exceptions/"))
    failed = get("failed") + exceptions
    if exceptions:
        failures = [*failures, f"{exceptions} unexpected error(s) in the spider (see the log)"]
    reason = stats.get("finish_reason", "not run")
    blocked = {
        k.removeprefix("policytrack/blocked/"): v for k, v in stats.items() if k.startswith("policytrack/blocked/")
    }
    skipped = {
        k.removeprefix("policytrack/skipped_blocked/"): int(v)
        for k, v in stats.items()
        if k.startswith("policytrack/skipped_blocked/")
    }
    hosts = {host: {"blocked": what, "skipped": 0} for host, what in blocked.items()}
    for host, n in skipped.items():
        hosts.setdefault(host, {"blocked": "", "skipped": 0})["skipped"] = n
    # Outright: the spider did not finish, or not one of the indexes it asked (feeds, queries,
    # watch lists) answered — even a request dropped before it was sent (a URL too long) counts:
    # nothing was crawled — unless a bot challenge kept them from answering: then the host is
    # named as blocked instead. A spider with nothing to ask (an empty watch list) did not fail.
    asked = get("indexes_asked")
    outright = reason != "finished" or (asked > 0 and get("indexes_answered") == 0 and not hosts)
    if outright and not failures:
        failures = [*failures, f"no feed or index answered (finish reason: {reason})"]
        failed = max(failed, 1)
    return {
        "spider": name,
        "fetched": get("fetched"),
        "index": get("fetched_index"),
        "pages": get("page_requests"),
        "not_modified": get("not_modified") + get("skipped_seen") + get("index_not_modified"),
        "new": get("new"),
        "changed": get("changed"),
        "unchanged": get("unchanged"),
        "failed": failed,
        "failures": failures,
        "notes": list(notes or []),
        "not_recorded": get("not_recorded"),
        "blocked_hosts": hosts,
        "outright": outright,
        "finish_reason": reason,
    }


def run(job: dict[str, Any]) -> list[dict[str, Any]]:
    from scrapy.utils.log import configure_logging
    from scrapy.utils.reactor import install_reactor

    from .logs import one_line_failures
    from .replay.server import ReplayServer

    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from scrapy.crawler import CrawlerRunner
    from scrapy.spiderloader import SpiderLoader
    from twisted.internet import defer, reactor

    server = ReplayServer(Path(job["replay"])).start() if job.get("replay") else None
    try:
        settings = scrapy_settings(job, server.base_url if server else "")
        configure_logging(settings)
        one_line_failures(settings.get("LOG_LEVEL"))
        loader = SpiderLoader.from_settings(settings)
        names = [n for n in SPIDER_NAMES if n in (job.get("spiders") or SPIDER_NAMES)]
        runner = CrawlerRunner(settings)
        results: list[dict[str, Any]] = []
        progress = _Progress(names)

        @defer.inlineCallbacks
        def crawl_all():
            try:
                for name in names:
                    crawler = runner.create_crawler(loader.load(name))
                    progress.attach(name, crawler)
                    try:
                        yield runner.crawl(crawler)
                    except Exception as e:  # noqa: BLE001  # a spider that cannot start failed outright; the rest run
                        log.error("%s: could not run: %s: %s", name, type(e).__name__, e)
                    spider = crawler.spider
                    results.append(
                        spider_summary(
                            name,
                            crawler.stats.get_stats() or {},
                            list(getattr(spider, "failures", [])),
                            list(getattr(spider, "notes", [])),
                        )
                    )
            finally:
                progress.stop()
                reactor.stop()  # type: ignore[misc]  # zope-style interface stubs: methods without self

        reactor.callWhenRunning(crawl_all)
        reactor.run()  # type: ignore[misc]  # zope-style interface stubs: methods without self
        return results
    finally:
        if server:
            server.stop()
            if job.get("request_log"):  # the tests read what a replayed crawl asked for
                Path(job["request_log"]).write_text(json.dumps([vars(r) for r in server.requests]), "utf-8")


class _Progress:
    """One rich progress line per spider (pages fetched, items stored), on stderr."""

    def __init__(self, names: list[str]) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn

        console = Console(stderr=True)
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TextColumn("{task.fields[fetched]} fetched, {task.fields[items]} items"),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self.tasks = {n: self.progress.add_task(n, total=None, fetched=0, items=0, start=False) for n in names}
        self.progress.start()

    def attach(self, name: str, crawler) -> None:
        from scrapy import signals

        task = self.tasks[name]
        self.progress.start_task(task)
        counts = {"fetched": 0, "items": 0}

        def on_response(**_):
            counts["fetched"] += 1
            self.progress.update(task, fetched=counts["fetched"])

        def on_item(**_):
            counts["items"] += 1
            self.progress.update(task, items=counts["items"])

        crawler.signals.connect(on_response, signal=signals.response_received, weak=False)
        crawler.signals.connect(on_item, signal=signals.item_scraped, weak=False)

    def stop(self) -> None:
        self.progress.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spiders.run")
    parser.add_argument("--job", required=True, help="JSON file: config_file, spiders, replay, record, summary")
    args = parser.parse_args(argv)
    job = json.loads(Path(args.job).read_text("utf-8"))
    if job.get("parent"):
        die_with_parent(int(job["parent"]), job.get("watch_fd"))
    results = run(job)
    Path(job["summary"]).write_text(json.dumps(results, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
