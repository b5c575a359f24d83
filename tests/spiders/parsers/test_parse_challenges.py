"""The parsers recognise a bot challenge by the crawl's one rule (``spiders.challenge``), whatever
kind was asked for, and no other block page becomes an item."""

from __future__ import annotations

import gzip

import pytest

from spiders.challenge import challenge_reason
from spiders.errors import ParseError
from spiders.parsers import KINDS, parse
from spiders.parsers.ep_odp import parse_person

# Hand-made, in the shape of AWS WAF challenge pages (tests/fixtures/real/SOURCES.md, facts).
CHALLENGE = (
    b'<!DOCTYPE html><html lang="en"><head><title></title>'
    b'<script>window.awsWafCookieDomainList = [];window.gokuProps = {"key":"AQID"};</script>'
    b'<script src="https://3e3378af7cd0.8f1a2b3c.eu-west-1.token.awswaf.com/challenge.js"></script></head>'
    b'<body><div id="challenge-container"></div><script>AwsWafIntegration.saveReferrer();</script></body></html>'
)
# Hand-made block pages of other kinds (other firewalls, a plain refusal): not challenges by the
# rule (no evidence shows them on these hosts), but no content either.
BLOCKS = {
    "cloudflare": b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>Checking</body></html>",
    "refused": b"<html><head><title>Request Rejected</title></head><body>The requested URL was rejected. "
    b"Please consult with your administrator.<br><br>Your support ID is: 64304</body></html>",
    "denied": b"<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1></body></html>",
    "captcha": b"<html><body><h1>Human verification</h1><p>Solve the captcha</p></body></html>",
}


@pytest.mark.parametrize("kind", KINDS)
def test_a_challenge_is_named_as_one_whatever_was_asked(kind):
    url = "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:32024L1760"
    with pytest.raises(ParseError, match=r"bot-challenge page \('awswafintegration' in the page\)"):
        parse(kind, CHALLENGE, url)


def test_the_parsers_ask_the_crawls_rule():
    # The rule, without a status: what the body alone says.
    assert challenge_reason(None, "", CHALLENGE) == "'awswafintegration' in the page"
    assert challenge_reason(None, "", gzip.compress(CHALLENGE), "gzip") == "'awswafintegration' in the page"
    assert challenge_reason(None, "", BLOCKS["captcha"]) is None  # "captcha" alone needs a 202/405
    with pytest.raises(ParseError, match="bot-challenge"):
        parse_person(CHALLENGE, "https://data.europarl.europa.eu/api/v2/meps/1")


@pytest.mark.parametrize("name", sorted(BLOCKS))
@pytest.mark.parametrize("kind", KINDS)
def test_other_block_pages_give_no_item(kind, name):
    with pytest.raises(ParseError, match="not a usable"):
        parse(kind, BLOCKS[name], "https://www.europarl.europa.eu/news/en/press-room/20241212IPR25960")
