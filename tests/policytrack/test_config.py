"""Settings: shipped defaults < TOML file < POLICYTRACK_* environment < command-line options."""

from __future__ import annotations

from pathlib import Path

import pytest

from policytrack.config import default_config_text, load_settings
from policytrack.errors import ConfigError
from policytrack.identifiers import normalise_celex, normalise_procedure


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policytrack.toml"
    path.write_text(text, "utf-8")
    return path


def test_defaults_have_the_three_topics_with_valid_watchlists(tmp_path):
    s = load_settings(env={}, cwd=tmp_path)
    assert [t.slug for t in s.topics] == ["due-diligence", "circular-electronics", "public-procurement"]
    dd = s.topic("due-diligence")
    assert "2022/0051(COD)" in dd.procedures and "32024L1760" in dd.celex
    for t in s.topics:
        assert all(normalise_procedure(p) == p for p in t.procedures)
        assert all(normalise_celex(c) == c for c in t.celex)
    assert s.index.backend == "embedded"
    assert s.store_path == tmp_path.resolve() / "data" / "store.sqlite3"


def test_order_file_then_env_then_options(tmp_path):
    path = write(
        tmp_path, '[index]\nbackend = "elasticsearch"\nes_url = "http://127.0.0.1:9201"\n[digest]\nsmtp_port = 2525\n'
    )
    s = load_settings(path, env={})
    assert (s.index.backend, s.index.es_url, s.digest.smtp_port) == ("elasticsearch", "http://127.0.0.1:9201", 2525)
    s = load_settings(
        path, env={"POLICYTRACK_INDEX_ES_URL": "http://127.0.0.1:9300", "POLICYTRACK_DIGEST_SEND_EMPTY": "yes"}
    )
    assert s.index.es_url == "http://127.0.0.1:9300" and s.digest.send_empty is True
    s = load_settings(
        path,
        env={"POLICYTRACK_INDEX_ES_URL": "http://127.0.0.1:9300"},
        overrides={"index": {"es_url": "http://127.0.0.1:9400"}},
    )
    assert s.index.es_url == "http://127.0.0.1:9400"
    assert s.site.out_dir == tmp_path.resolve() / "public"


def test_config_found_upwards_and_by_env(tmp_path):
    write(tmp_path, '[project]\nname = "Coalition"\n')
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    assert load_settings(env={}, cwd=sub).project.name == "Coalition"
    other = tmp_path / "other.toml"
    other.write_text('[project]\nname = "Other"\n')
    assert load_settings(env={"POLICYTRACK_CONFIG": str(other)}, cwd=sub).project.name == "Other"


def test_user_topics_replace_defaults(tmp_path):
    path = write(tmp_path, '[[topics]]\nslug = "batteries"\ntitle = "Batteries"\ncelex = ["CELEX:32023r1542"]\n')
    s = load_settings(path, env={})
    assert [t.slug for t in s.topics] == ["batteries"]
    assert s.topics[0].celex == ("32023R1542",)


@pytest.mark.parametrize(
    "text, env, message",
    [
        ("[index\n", {}, "not valid TOML"),
        ('[index]\nbackend = "solr"\n', {}, "index.backend must be one of embedded, elasticsearch"),
        ("[index]\ncolour = 1\n", {}, "unknown setting index.colour"),
        ("[nonsense]\na = 1\n", {}, "unknown section [nonsense]"),
        ('[digest]\nsmtp_port = "twenty"\n', {}, "digest.smtp_port must be a whole number, got 'twenty'"),
        ("", {"POLICYTRACK_DIGEST_SMTP_PORT": "x"}, "environment: digest.smtp_port must be a whole number"),
        ('[[topics]]\nslug = "x"\ntitle = "X"\nprocedures = ["2022/0051"]\n', {}, "topic #1"),
        ('[[topics]]\nslug = "x"\ntitle = "X"\n[[topics]]\nslug = "x"\ntitle = "Y"\n', {}, "defined twice"),
        ('[[saved_searches]]\nname = "n"\n', {}, "needs a name and a query"),
        (
            "[crawl]\nfeed_timeout = 60\n",
            {},
            "crawl.feed_timeout must be a number of seconds from 180 to 3600 (EP Open Data feeds",
        ),
        ('[[topics]]\nslug = "x"\ntitle = "X"\neurovoc = [{ id = "forced labour" }]\n', {}, "not a EuroVoc"),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path, text, env, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_settings(path, env=env)
    assert message in str(exc.value)
    assert "\n" not in str(exc.value).strip() or "TOML" in str(exc.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", env={})


def test_default_text_is_commented_and_loads(tmp_path):
    text = default_config_text()
    assert "POLICYTRACK_" in text
    s = load_settings(write(tmp_path, text), env={})
    assert s.saved_search("csddd-downstream").topics == ("due-diligence",)
    with pytest.raises(ConfigError, match="unknown saved search"):
        s.saved_search("nope")
    with pytest.raises(ConfigError, match="unknown topic"):
        s.topic("nope")


def test_watched_eurovoc_concepts_are_ids_with_labels_for_people(tmp_path):
    """The shipped watchlist names each concept by id (what Cellar is queried with) and keeps
    EuroVoc's preferred label; a bare id, a concept URI or a bare label (older files) still load."""
    s = load_settings(env={}, cwd=tmp_path)
    due = s.topic("due-diligence")
    assert "857" in due.eurovoc_ids and "slavery" in due.eurovoc  # "forced labour" is only an alt label
    assert "http://eurovoc.europa.eu/c_b18ab65c" in due.eurovoc_uris
    assert all(len(t.eurovoc) == len(t.eurovoc_ids) for t in s.topics)
    path = write(
        tmp_path,
        '[[topics]]\nslug = "x"\ntitle = "X"\n'
        'eurovoc = ["http://eurovoc.europa.eu/6411", "1839", "battery", { id = "c_18802d13", label = "ecodesign" }]\n',
    )
    [topic] = load_settings(path, env={}).topics
    assert topic.eurovoc_ids == ("6411", "1839", "c_18802d13")
    assert topic.eurovoc == ("battery", "ecodesign")


def test_crawl_timeouts_and_token_from_the_environment(tmp_path):
    s = load_settings(
        env={"POLICYTRACK_CRAWL_EURLEX_RSS_TOKEN": "abc%2Bdef", "POLICYTRACK_CRAWL_FEED_TIMEOUT": "300"}, cwd=tmp_path
    )
    assert s.crawl.eurlex_rss_token == "abc%2Bdef" and s.crawl.feed_timeout == 300
    assert load_settings(env={}, cwd=tmp_path).crawl.eurlex_rss_token == ""


# ---------------------------------------------------------------- values at the edges


@pytest.mark.parametrize(
    "text, env, message",
    [
        # a float is never truncated into a whole number (25.9 used to become port 25)
        ("[digest]\nsmtp_port = 25.9\n", {}, "digest.smtp_port must be a whole number, got 25.9"),
        ("", {"POLICYTRACK_DIGEST_SMTP_PORT": "25.9"}, "environment: digest.smtp_port must be a whole number"),
        ("[digest]\nsmtp_port = 0\n", {}, "digest.smtp_port must be a port number from 1 to 65535, got 0"),
        ("[digest]\nsmtp_port = 65536\n", {}, "from 1 to 65535"),
        ("[digest]\nsmtp_port = true\n", {}, "digest.smtp_port must be a whole number, got True"),
        # 1e12 weeks was an OverflowError in the digest; a float is not a number of weeks
        ("[digest]\nupcoming_weeks = 1e12\n", {}, "digest.upcoming_weeks must be a whole number, got 1000000000000.0"),
        ("[digest]\nupcoming_weeks = 1000000000000\n", {}, "upcoming_weeks must be a number of weeks from 0 to 52"),
        ("[digest]\nupcoming_weeks = -3\n", {}, "upcoming_weeks must be a number of weeks from 0 to 52, got -3"),
        (
            "[crawl]\ndownload_delay = nan\n",
            {},
            "crawl.download_delay must be a number of seconds from 0 to 3600, got nan",
        ),
        ("[crawl]\ndownload_delay = inf\n", {}, "got inf"),
        ("[crawl]\ndownload_delay = -0.5\n", {}, "got -0.5"),
        (
            "",
            {"POLICYTRACK_CRAWL_DOWNLOAD_DELAY": "NaN"},
            "environment: crawl.download_delay must be a number of seconds",
        ),
        ("[index]\nes_timeout = 0\n", {}, "index.es_timeout must be a number of seconds more than 0 to 600"),
        (
            '[site]\nbase_url = "javascript:alert(1)"\n',
            {},
            "site.base_url must be an http:// or https:// URL with a host",
        ),
        ('[site]\nbase_url = "https://"\n', {}, "site.base_url must be an http:// or https:// URL"),
        ('[site]\nbase_url = "https://exa mple.org/"\n', {}, "site.base_url must be an http:// or https:// URL"),
        ('[index]\nes_url = "file:///etc/passwd"\n', {}, "index.es_url must be an http:// or https:// URL"),
        # a [[topics]] table without slug was a TypeError traceback
        ('[[topics]]\ntitle = "X"\n', {}, "topic #1 has no slug"),
        ('[[topics]]\nslug = "x"\n', {}, "topic #1 has no title"),
        ("topics = [1]\n", {}, "topic #1 must be a [[topics]] table"),
        ('[[topics]]\nslug = "x"\ntitle = "X"\ntitles = { french = "Y" }\n', {}, "titles must be a table of language"),
        ('[[saved_searches]]\nname = "n"\nquery = "q"\ntitle = 3\n', {}, "saved search 'n': title must be text"),
        ('[[saved_searches]]\nname = "n"\nquery = "q"\ncolour = 3\n', {}, "saved search 'n': unknown key 'colour'"),
    ],
)
def test_values_out_of_range_are_one_clear_error(tmp_path, text, env, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_settings(path, env=env)
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_values_in_range_are_kept_exactly(tmp_path):
    path = write(
        tmp_path,
        "[digest]\nsmtp_port = 65535\nupcoming_weeks = 0\n[crawl]\ndownload_delay = 0\n"
        '[site]\nbase_url = "HTTPS://tracker.example.org/sub/"\n',
    )
    s = load_settings(path, env={"POLICYTRACK_INDEX_ES_TIMEOUT": "2.5"})
    assert (s.digest.smtp_port, s.digest.upcoming_weeks, s.crawl.download_delay) == (65535, 0, 0.0)
    assert s.index.es_timeout == 2.5 and s.site.base_url == "HTTPS://tracker.example.org/sub/"


@pytest.mark.parametrize(
    "encoding, message",
    [
        ("utf-16", "is saved as UTF-16, not UTF-8; TOML files must be UTF-8: save it as UTF-8"),
        ("utf-16-le", "is saved as UTF-16-LE, not UTF-8"),
        ("utf-32", "is saved as UTF-32, not UTF-8"),
        (
            "latin-1",
            'is not UTF-8 (line 2, byte 0xE9); TOML files must be UTF-8: save it as UTF-8 (read as cp1252, line 2 is: name = "Réparation")',
        ),
    ],
)
def test_a_config_file_that_is_not_utf8_is_named(tmp_path, encoding, message):
    path = tmp_path / "policytrack.toml"
    path.write_bytes('[project]\nname = "Réparation"\n'.encode(encoding))
    with pytest.raises(ConfigError) as exc:
        load_settings(path, env={})
    assert str(exc.value).startswith(f"{path} {message}")


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "policytrack.toml"
    path.write_bytes('[project]\nname = "Réparation"\n'.encode("utf-8-sig"))
    assert load_settings(path, env={}).project.name == "Réparation"


@pytest.mark.parametrize("text", ["a = " + "[" * 5000 + "]" * 5000, "a = " + "{ b = " * 5000 + "1" + " }" * 5000])
def test_deeply_nested_toml_is_an_error_not_a_recursion_error(tmp_path, text):
    path = write(tmp_path, text + "\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(path, env={})
    assert str(exc.value) == f"{path}: not valid TOML: arrays or tables nested too deeply"


def test_topic_and_saved_search_titles_per_language(tmp_path):
    path = write(
        tmp_path,
        '[[topics]]\nslug = "repair"\ntitle = "Right to repair"\ntitles = { fr = "Droit à la  réparation" }\n'
        '[[saved_searches]]\nname = "rr"\nquery = "repair"\n'
        '[[saved_searches]]\nname = "eco"\nquery = "ecodesign"\ntitle = "Ecodesign"\ntitles = { fr = "Écoconception" }\n',
    )
    s = load_settings(path, env={})
    assert s.topic_title("repair", "fr") == "Droit à la réparation"
    assert s.topic_title("repair", "en") == s.topic_title("repair", "de") == "Right to repair"
    assert [x.title_in("fr") for x in s.saved_searches] == ["rr", "Écoconception"]
    assert s.saved_search("eco").title_in("en") == "Ecodesign"


def test_shipped_topics_have_french_titles(tmp_path):
    s = load_settings(env={}, cwd=tmp_path)
    for t in s.topics:
        assert s.topic_title(t.slug, "fr") != t.title
    for search in s.saved_searches:
        assert search.title_in("en") != search.name and search.title_in("fr") != search.title_in("en")
