"""Settings, read in one place: the defaults shipped with policytrack, then the TOML file,
then ``POLICYTRACK_<SECTION>_<KEY>`` environment variables, then command-line options.

Nothing else in policytrack reads ``os.environ`` for settings.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigError, PolicytrackError
from .model import Topic
from .resources import default_config_text
from .textfiles import TextEncodingError, decode

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
    es_timeout: float = 30.0


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
    title: str = ""  # what a person reads (digest footer); the name when not set
    titles: tuple[tuple[str, str], ...] = ()  # (language, title) pairs

    def title_in(self, language: str) -> str:
        return localized(self.title or self.name, self.titles, language)


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
    # Topic titles in other languages: slug → ((language, title), …), from ``titles = {…}``.
    topic_titles: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict, hash=False)

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

    def topic_title(self, slug: str, language: str) -> str:
        """The topic's title in ``language`` (its ``titles`` entry), else its title."""
        return localized(self.topic(slug).title, self.topic_titles.get(slug, ()), language)

    def saved_search(self, name: str) -> SavedSearch:
        for s in self.saved_searches:
            if s.name == name:
                return s
        raise ConfigError(
            f"unknown saved search {name!r}; known: {', '.join(s.name for s in self.saved_searches) or 'none'}"
        )


def localized(default: str, titles: tuple[tuple[str, str], ...], language: str) -> str:
    """The title for ``language`` among ``titles``, else ``default`` (the configured title)."""
    return dict(titles).get(language, default)


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


# ---------------------------------------------------------------- where the settings are


def find_config(start: Path) -> Path | None:
    """The nearest policytrack.toml in ``start`` or a parent folder, like git finds .git."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def config_path(config_file: str | Path | None, env: Mapping[str, str], cwd: Path) -> Path | None:
    """The configuration file in force: ``--config``, else ``$POLICYTRACK_CONFIG``, else the
    nearest policytrack.toml from ``cwd`` upwards, else None (the shipped defaults alone)."""
    if config_file is None and env.get(ENV_PREFIX + "CONFIG"):
        config_file = env[ENV_PREFIX + "CONFIG"]
    return Path(config_file) if config_file is not None else find_config(cwd)


def require_project(
    config_file: str | Path | None, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> None:
    """Refuse to work outside a policytrack folder (no configuration file anywhere above).

    Without this, a command run in the wrong folder would quietly create ``./data`` and
    ``./public`` there, or read an empty store and report that nothing was found.
    """
    env = os.environ if env is None else env
    cwd = Path.cwd() if cwd is None else cwd
    if config_path(config_file, env, cwd) is None:
        raise ConfigError(
            f"not a policytrack folder: no {CONFIG_NAME} in {cwd.resolve()} or a parent folder; "
            "run `policytrack init` to make one, or pass --config FILE"
        )


# ---------------------------------------------------------------- one rule per setting


def _port(value: int) -> str:
    return "" if 1 <= value <= 65535 else "must be a port number from 1 to 65535"


def _weeks(value: int) -> str:
    return "" if 0 <= value <= MAX_WEEKS else f"must be a number of weeks from 0 to {MAX_WEEKS}"


def _seconds(low: float, high: float, *, zero: bool = True) -> Callable[[float], str]:
    """A finite delay or timeout in seconds within [low, high] (``zero``: 0 allowed)."""

    def rule(value: float) -> str:
        if math.isfinite(value) and low <= value <= high and (zero or value > 0):
            return ""
        bound = f"from {low:g}" if zero else f"more than {low:g}"
        return f"must be a number of seconds {bound} to {high:g}"

    return rule


def _timeout(low: float, why: str) -> Callable[[float], str]:
    """A crawl timeout: finite, and no shorter than the service needs (``why``)."""
    within = _seconds(low, 3600)

    def rule(value: float) -> str:
        problem = within(value)
        return f"{problem} ({why})" if problem else ""

    return rule


def _optional(rule: Callable[[str], str]) -> Callable[[str], str]:
    """The rule, for a setting that may also be left empty."""
    return lambda value: "" if value == "" else rule(value)


def web_url(value: str) -> str:
    """An absolute http(s) URL with a host: what links in pages and emails may point at."""
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or _CONTROL.search(value):
        return "must be an http:// or https:// URL with a host"
    return ""


_CONTROL = re.compile(r"[\x00-\x20\x7f]")
MAX_WEEKS = 52
_RULES: dict[tuple[str, str], Callable[[Any], str]] = {
    ("digest", "smtp_port"): _port,
    ("digest", "upcoming_weeks"): _weeks,
    ("crawl", "download_delay"): _seconds(0, 3600),
    ("index", "es_timeout"): _seconds(0, 600, zero=False),
    ("index", "es_url"): web_url,
    ("site", "base_url"): web_url,
    ("site", "app_url"): _optional(web_url),
    # Lower bounds, with the reason a smaller value would break the crawl.
    ("crawl", "page_timeout"): _timeout(5, "pages take seconds"),
    ("crawl", "feed_timeout"): _timeout(180, "EP Open Data feeds take up to 120 s to answer"),
    ("crawl", "sparql_timeout"): _timeout(30, "Cellar's SPARQL endpoint is slow"),
}
_WHOLE = re.compile(r"\s*[+-]?\d{1,18}\s*")


def _convert(target: Any, value: Any) -> Any:
    """``value`` as the type of ``target`` (the default), or ValueError naming that type.

    Nothing is converted with a loss: a float is never truncated into a whole number.
    """
    if isinstance(target, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value.lower() in ("1", "true", "yes", "on")
        raise ValueError("true or false")
    if isinstance(target, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and _WHOLE.fullmatch(value):
            return int(value)
        raise ValueError("a whole number")
    if isinstance(target, float):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        raise ValueError("a number")
    if isinstance(target, Path):
        if isinstance(value, (str, Path)):
            return Path(value)
        raise ValueError("a path")
    if isinstance(value, str):
        return value
    raise ValueError("text")


def _coerce(section: str, key: str, target: Any, value: Any, where: str) -> Any:
    """Turn a TOML or environment value into the type of the default, or say where it is wrong."""
    name = f"{section}.{key}"
    try:
        value = _convert(target, value)
    except ValueError as e:
        raise ConfigError(f"{where}: {name} must be {e}, got {value!r}") from None
    choices = _CHOICES.get((section, key))
    if choices and value not in choices:
        raise ConfigError(f"{where}: {name} must be one of {', '.join(choices)}, got {value!r}")
    rule = _RULES.get((section, key))
    problem = rule(value) if rule else ""
    if problem:
        raise ConfigError(f"{where}: {name} {problem}, got {value!r}")
    return value


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


# ---------------------------------------------------------------- reading the file


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror}") from None
    try:
        # TOML is UTF-8 by definition; a UTF-8 byte-order mark (Notepad) is dropped.
        text = decode(raw, str(path), utf16=False).text
    except TextEncodingError as e:
        seen = f" (read as {e.encoding}, line {e.line} is: {e.preview})" if e.preview else ""
        raise ConfigError(f"{e}; TOML files must be UTF-8: save it as UTF-8{seen}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML: arrays or tables nested too deeply") from None


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
    path = config_path(config_file, env, cwd)
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
    topics, titles = _topics(data.get("topics", []), where)
    settings = replace(
        settings, topics=topics, topic_titles=titles, saved_searches=_saved(data.get("saved_searches", []), where)
    )
    return _resolve_paths(settings)


# ---------------------------------------------------------------- topics and saved searches


def _titles(value: Any, what: str, where: str) -> tuple[tuple[str, str], ...]:
    """``titles = { fr = "…" }``: a title per language code."""
    if value is None:
        return ()
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and re.fullmatch(r"[a-z]{2,3}", k) and isinstance(v, str) and v.strip()
        for k, v in value.items()
    ):
        raise ConfigError(f'{where}: {what}: titles must be a table of language = "title", e.g. {{ fr = "…" }}')
    return tuple((k, " ".join(v.split())) for k, v in value.items())


def _topics(raw: Any, where: str) -> tuple[tuple[Topic, ...], dict[str, tuple[tuple[str, str], ...]]]:
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: [[topics]] must be an array of tables")
    out = []
    titles: dict[str, tuple[tuple[str, str], ...]] = {}
    for i, entry in enumerate(raw, 1):
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: topic #{i} must be a [[topics]] table")
        for key in ("slug", "title"):
            if key not in entry:
                raise ConfigError(
                    f'{where}: topic #{i} has no {key} (every [[topics]] needs slug = "…" and title = "…")'
                )
        fields_ = {k: v for k, v in entry.items() if k != "titles"}
        try:
            topic = Topic.from_dict(fields_)
        except PolicytrackError as e:
            raise ConfigError(f"{where}: topic #{i}: {e}") from None
        titles[topic.slug] = _titles(entry.get("titles"), f"topic {topic.slug!r}", where)
        out.append(topic)
    slugs = [t.slug for t in out]
    dupes = {s for s in slugs if slugs.count(s) > 1}
    if dupes:
        raise ConfigError(f"{where}: topic {sorted(dupes)[0]!r} is defined twice")
    return tuple(out), titles


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
        name = entry["name"]
        unknown = set(entry) - {"name", "query", "topics", "title", "titles"}
        if unknown:
            raise ConfigError(f"{where}: saved search {name!r}: unknown key {sorted(unknown)[0]!r}")
        topics = entry.get("topics", [])
        if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
            raise ConfigError(f"{where}: saved search {name!r}: topics must be a list of names")
        title = entry.get("title", "")
        if not isinstance(title, str):
            raise ConfigError(f"{where}: saved search {name!r}: title must be text")
        titles = _titles(entry.get("titles"), f"saved search {name!r}", where)
        out.append(SavedSearch(name, entry["query"], tuple(topics), " ".join(title.split()), titles))
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
