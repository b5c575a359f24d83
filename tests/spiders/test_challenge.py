"""The one rule for bot challenges, whatever was asked for (HTML, XML, JSON), and the run's list
of blocked hosts."""

from __future__ import annotations

import copy
import gzip

import pytest

from spiders.challenge import BlockedHosts, challenge_reason

# Hand-made, in the shape of AWS WAF challenge pages (see tests/fixtures/real/SOURCES.md, facts).
CHALLENGE = (
    b'<!DOCTYPE html><html lang="en"><head><title></title>'
    b'<script>window.awsWafCookieDomainList = [];window.gokuProps = {"key":"AQID"};</script>'
    b'<script src="https://3e3378af7cd0.8f1a2b3c.eu-west-1.token.awswaf.com/challenge.js"></script></head>'
    b'<body><div id="challenge-container"></div><script>AwsWafIntegration.saveReferrer();</script></body></html>'
)


@pytest.mark.parametrize(
    "status, header, body, expected",
    [
        (202, "challenge", CHALLENGE, "HTTP 202 with x-amzn-waf-action: challenge"),
        (202, "", CHALLENGE, "HTTP 202 with 'awswafintegration' in the page"),
        (405, "", b"<!DOCTYPE html><html><body>captcha</body></html>", "HTTP 405 with 'captcha' in the page"),
        (202, "", b"<html><body>Please wait</body></html>", "HTTP 202 with an HTML page"),
        (200, "", CHALLENGE, "HTTP 200 with 'awswafintegration' in the page"),
        (200, "captcha", b"", "HTTP 200 with x-amzn-waf-action: captcha"),
    ],
)
def test_challenges_by_status_header_or_markers(status, header, body, expected):
    assert challenge_reason(status, header, body) == expected


def test_compressed_challenges_are_read():
    assert (
        challenge_reason(200, "", gzip.compress(CHALLENGE), "gzip") == "HTTP 200 with 'awswafintegration' in the page"
    )
    assert challenge_reason(200, "", b"\x1f\x8b not gzip", "gzip") is None


@pytest.mark.parametrize(
    "name",
    [
        "eurlex/legal-content_EN-ALL_CELEX-32017R2403.html",  # HTML asked
        "cellar/branch-notice_32017R2403.xml",  # XML asked
        "ep-odp/plenary-documents-feed_2026-09-02_first-8-entries.atom",
        "ep-odp/procedure_2024-2006.json",  # JSON asked
        "cellar/sparql-results_ai-act-manifestations.json",
        "oeil/document-summary_1864147.html",
    ],
)
def test_real_answers_are_never_challenges(real_fixtures, name):
    assert challenge_reason(200, "", (real_fixtures / name).read_bytes()) is None


def test_a_202_with_json_or_an_empty_204_is_no_challenge():
    assert challenge_reason(202, "", b'{"data": []}') is None
    assert challenge_reason(204, "", b"") is None
    assert challenge_reason(200, "", b'{"note": "captcha"}') is None  # "captcha" alone needs a 202/405


def test_blocked_hosts_are_one_list_for_the_run():
    hosts = BlockedHosts()
    assert hosts.block("eur-lex.europa.eu", "HTTP 202", "https://eur-lex.europa.eu/x")
    assert not hosts.block("eur-lex.europa.eu", "HTTP 405", "https://eur-lex.europa.eu/y")  # first one kept
    hosts.skip("eur-lex.europa.eu")
    assert hosts.hosts["eur-lex.europa.eu"].skipped == 1 and hosts.hosts["eur-lex.europa.eu"].reason == "HTTP 202"
    assert copy.deepcopy(hosts) is hosts  # Scrapy copies settings per crawler: the list stays shared
