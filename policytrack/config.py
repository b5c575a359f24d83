"""Settings, read in one place: the defaults shipped with policytrack, then the TOML file,
then ``POLICYTRACK_<SECTION>_<KEY>`` environment variables, then command-line options.

Nothing else in policytrack reads ``os.environ`` for settings.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError, PolicytrackError
from .model import Topic
from .resources import default_config_text

CONFIG_NAME = "policytrack.toml"
ENV_PREFIX = "POLICYTRACK_"


@dataclass(frozen=True)
class ProjectSettings:
    name: str = "policytrack"
    data_dir: Path = Path("data")
    contact_email: str = ""


@dataclass(frozen=True)
class CrawlSettings:
    user_agent: str = "policytrack/0.1"
    replay_dir: str = ""
    download_delay: float = 1.0
    autothrottle: bool = True
    http_cache: bool = True
    # The myRssId of a My EUR-Lex saved-search feed (or the feed's whole address); empty: the
    # feed is skipped. Tokens are issued to an account: see EURLEX_TOKEN_HELP.
    eurlex_rss_token: str = ""
    page_timeout: int = 60  # seconds, pages and notices
    feed_timeout: int = 240  # EP Open Data feeds answer in 25-120 s
    sparql_timeout: int = 240  # one Cellar SPARQL query (a page of at most 1000 rows)


EURLEX_TOKEN_HELP = (
    "To follow a My EUR-Lex saved search: sign in to EUR-Lex (EU Login), run the search "
    "(e.g. documents citing or amending the watched acts), save it under My EUR-Lex > My searches, "
    'choose "Create RSS feed" and copy the myRssId=… value of its address into [crawl] '
    "eurlex_rss_token (or POLICYTRACK_CRAWL_EURLEX_RSS_TOKEN)."
)


@dataclass(frozen=True)
class IndexSettings:
    backend: str = "embedded"
    es_url: str = "http://127.0.0.1:9200"
    es_index: str = "policytrack"
    es_username: str = ""
    es_password: str = ""
    es_api_key: str = ""


@dataclass(frozen=True)
class SiteSettings:
    content_dir: Path = Path("content")
    out_dir: Path = Path("public")
    base_url: str = "http://127.0.0.1:8000/"
    title: str = "policytrack"
    app_url: str = ""  # where `policytrack serve` is reachable; empty: the site has no app


@dataclass(frozen=True)
class DigestSettings:
    from_address: str = "policytrack <digest@localhost>"
    list_id: str = "digest.policytrack.localhost"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_security: str = "none"
    smtp_username: str = ""
    smtp_password: str = ""
    secret: str = ""
    send_empty: bool = False
    upcoming_weeks: int = 6


@dataclass(frozen=True)
class AppSettings:
    """``policytrack serve``: limits and link lifetimes of the search and subscription app."""

    root_path: str = ""  # the sub-path a reverse proxy serves the app under, e.g. "/app"
    forwarded_allow_ips: str = "127.0.0.1"  # proxies whose X-Forwarded-For/-Proto are believed
    search_connections: int = 4  # search backends opened side by side (threads searching at once)
    search_per_minute: int = 120  # per client address; 0: no limit
    subscribe_per_hour: int = 10  # subscription and link requests per client address; 0: no limit
    confirm_hours: int = 48  # how long a confirmation link works
    preferences_hours: int = 168  # how long a link to the preferences page works
    max_query_chars: int = 1000
    max_body_bytes: int = 16384


@dataclass(frozen=True)
class SavedSearch:
    name: str
    query: str
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    root: Path
    config_file: Path | None
    project: ProjectSettings = field(default_factory=ProjectSettings)
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    index: IndexSettings = field(default_factory=IndexSettings)
    site: SiteSettings = field(default_factory=SiteSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    app: AppSettings = field(default_factory=AppSettings)
    topics: tuple[Topic, ...] = ()
    saved_searches: tuple[SavedSearch, ...] = ()

    @property
    def data_dir(self) -> Path:
        return self.project.data_dir

    @property
    def store_path(self) -> Path:
        return self.project.data_dir / "store.sqlite3"

    def topic(self, slug: str) -> Topic:
        for t in self.topics:
            if t.slug == slug:
                return t
        raise ConfigError(f"unknown topic {slug!r}; known: {', '.join(t.slug for t in self.topics)}")

    def saved_search(self, name: str) -> SavedSearch:
        for s in self.saved_searches:
            if s.name == name:
                return s
        raise ConfigError(
            f"unknown saved search {name!r}; known: {', '.join(s.name for s in self.saved_searches) or 'none'}"
        )


_SECTIONS = {
    "project": ProjectSettings,
    "crawl": CrawlSettings,
    "index": IndexSettings,
    "site": SiteSettings,
    "digest": DigestSettings,
    "app": AppSettings,
}
_CHOICES = {
    ("index", "backend"): ("embedded", "elasticsearch"),
    ("digest", "smtp_security"): ("none", "starttls", "ssl"),
}
# Lower bounds, with the reason a smaller value would break the crawl.
_MINIMUMS = {
    ("crawl", "page_timeout"): (5, "pages take seconds"),
    ("crawl", "feed_timeout"): (180, "EP Open Data feeds take up to 120 s to answer"),
    ("crawl", "sparql_timeout"): (30, "Cellar's SPARQL endpoint is slow"),
}


def find_config(start: Path) -> Path | None:
    """The nearest policytrack.toml in ``start`` or a parent folder, like git finds .git."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def _coerce(section: str, key: str, target: Any, value: Any, where: str) -> Any:
    """Turn a TOML or environment value into the type of the default, or say where it is wrong."""
    name = f"{section}.{key}"
    out = _typed(target, value)
    if out is None:
        raise ConfigError(f"{where}: {name} must be {type(target).__name__}, got {value!r}")
    choices = _CHOICES.get((section, key))
    if choices and out not in choices:
        raise ConfigError(f"{where}: {name} must be one of {', '.join(choices)}, got {value!r}")
    minimum = _MINIMUMS.get((section, key))
    if minimum and out < minimum[0]:
        raise ConfigError(f"{where}: {name} must be at least {minimum[0]} ({minimum[1]}), got {value!r}")
    return out


def _typed(target: Any, value: Any) -> Any:
    """``value`` as the type of ``target``, or None when it cannot be."""
    try:
        if isinstance(target, bool):
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
                return value.lower() in ("1", "true", "yes", "on")
            return None
        if isinstance(target, (int, float)):
            if isinstance(value, bool):
                return None
            return type(target)(value)
        if isinstance(target, Path):
            return Path(value) if isinstance(value, (str, Path)) else None
        return value if isinstance(value, str) else None
    except (TypeError, ValueError):
        return None


def _merge_section(current: Any, section: str, values: Mapping[str, Any], where: str) -> Any:
    if not isinstance(values, Mapping):
        raise ConfigError(f"{where}: [{section}] must be a table")
    known = {f.name for f in fields(current)}
    changes = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"{where}: unknown setting {section}.{key} (known: {', '.join(sorted(known))})")
        changes[key] = _coerce(section, key, getattr(current, key), value, where)
    return replace(current, **changes)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror}") from None


def _env_values(env: Mapping[str, str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "CONFIG":
            continue
        rest = name[len(ENV_PREFIX) :].lower()
        section, _, key = rest.partition("_")
        if section in _SECTIONS and key:
            out.setdefault(section, {})[key] = value
    return out


def load_settings(
    config_file: str | Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Build the settings: shipped defaults < file < environment < ``overrides`` (CLI options).

    Without ``config_file`` the file named by ``POLICYTRACK_CONFIG`` is used, else the nearest
    ``policytrack.toml`` from ``cwd`` upwards, else the shipped defaults alone (rooted at ``cwd``).
    """
    env = os.environ if env is None else env
    cwd = Path.cwd() if cwd is None else cwd
    if config_file is None and env.get(ENV_PREFIX + "CONFIG"):
        config_file = env[ENV_PREFIX + "CONFIG"]
    path = Path(config_file) if config_file is not None else find_config(cwd)
    data = tomllib.loads(default_config_text())
    if path is not None:
        user = _read_toml(path)
        for key, value in user.items():
            # Topic and saved-search lists replace the defaults as a whole: a user who lists
            # topics means exactly those.
            if key in _SECTIONS and isinstance(value, dict):
                data.setdefault(key, {}).update(value)
            else:
                data[key] = value
    where = str(path) if path else "defaults"
    root = path.resolve().parent if path else cwd.resolve()
    unknown = set(data) - set(_SECTIONS) - {"topics", "saved_searches"}
    if unknown:
        raise ConfigError(f"{where}: unknown section [{sorted(unknown)[0]}]")
    settings = Settings(root=root, config_file=path.resolve() if path else None)
    for section, cls in _SECTIONS.items():
        current = _merge_section(cls(), section, data.get(section, {}), where)
        current = _merge_section(current, section, _env_values(env).get(section, {}), "environment")
        if overrides and section in overrides:
            current = _merge_section(current, section, overrides[section], "command line")
        settings = replace(settings, **{section: current})
    settings = replace(
        settings,
        topics=_topics(data.get("topics", []), where),
        saved_searches=_saved(data.get("saved_searches", []), where),
    )
    return _resolve_paths(settings)


def _topics(raw: Any, where: str) -> tuple[Topic, ...]:
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: [[topics]] must be an array of tables")
    out = []
    for i, entry in enumerate(raw, 1):
        try:
            out.append(Topic.from_dict(entry))
        except PolicytrackError as e:
            raise ConfigError(f"{where}: topic #{i}: {e}") from None
    slugs = [t.slug for t in out]
    dupes = {s for s in slugs if slugs.count(s) > 1}
    if dupes:
        raise ConfigError(f"{where}: topic {sorted(dupes)[0]!r} is defined twice")
    return tuple(out)


def _saved(raw: Any, where: str) -> tuple[SavedSearch, ...]:
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: [[saved_searches]] must be an array of tables")
    out = []
    for i, entry in enumerate(raw, 1):
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("name"), str)
            or not isinstance(entry.get("query"), str)
        ):
            raise ConfigError(f"{where}: saved search #{i} needs a name and a query")
        topics = entry.get("topics", [])
        if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
            raise ConfigError(f"{where}: saved search {entry['name']!r}: topics must be a list of names")
        out.append(SavedSearch(entry["name"], entry["query"], tuple(topics)))
    return tuple(out)


def _resolve_paths(settings: Settings) -> Settings:
    def rooted(p: Path) -> Path:
        return p if p.is_absolute() else settings.root / p

    return replace(
        settings,
        project=replace(settings.project, data_dir=rooted(settings.project.data_dir)),
        site=replace(
            settings.site, content_dir=rooted(settings.site.content_dir), out_dir=rooted(settings.site.out_dir)
        ),
    )
