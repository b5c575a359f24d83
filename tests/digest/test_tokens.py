"""Unsubscribe tokens: signed, bound to the address, refused when tampered with."""

from __future__ import annotations

import pytest

from policytrack.digest.errors import DigestError, TokenError
from policytrack.digest.tokens import make_token, token_subscriber, verify_token


def test_round_trip():
    token = make_token("s3cret", 42, "Ana@Example.org")
    assert token.startswith("42.")
    assert token_subscriber(token) == 42
    assert verify_token("s3cret", token, "ana@example.org") == 42


@pytest.mark.parametrize("secret, email", [("other", "ana@example.org"), ("s3cret", "ben@example.org")])
def test_wrong_secret_or_address_is_refused(secret, email):
    token = make_token("s3cret", 42, "ana@example.org")
    with pytest.raises(TokenError, match="signature"):
        verify_token(secret, token, email)


def test_another_id_with_the_same_signature_is_refused():
    token = make_token("s3cret", 42, "ana@example.org")
    forged = "43." + token.split(".", 1)[1]
    with pytest.raises(TokenError):
        verify_token("s3cret", forged, "ana@example.org")


@pytest.mark.parametrize(
    "token", ["", "42", "x.y", "42.short", "0.AAAAAAAAAAAAAAAAAAAAAA", "42.AAAA\r\nAAAAAAAAAAAAAAAAAA"]
)
def test_malformed_tokens(token):
    with pytest.raises(TokenError, match="malformed"):
        token_subscriber(token)


def test_missing_secret_is_a_clear_error():
    with pytest.raises(DigestError, match="POLICYTRACK_DIGEST_SECRET"):
        make_token("", 1, "ana@example.org")


# ---------------------------------------------------------------- signed, expiring tokens (the app's links)

from datetime import UTC, datetime, timedelta  # noqa: E402

from policytrack.digest.errors import TokenExpired  # noqa: E402
from policytrack.digest.tokens import address_key, read_timed, sign_timed  # noqa: E402

T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_timed_round_trip_until_it_expires():
    token = sign_timed("s3cret", "confirm", {"e": "ana@example.org", "t": ["due-diligence"]}, T0)
    assert read_timed("s3cret", "confirm", token, max_age=HOUR, now=T0 + HOUR) == {
        "e": "ana@example.org",
        "t": ["due-diligence"],
    }
    with pytest.raises(TokenExpired, match="expired"):
        read_timed("s3cret", "confirm", token, max_age=HOUR, now=T0 + HOUR + timedelta(seconds=2))


@pytest.mark.parametrize(
    "secret, purpose, mangle",
    [
        ("other", "confirm", lambda t: t),  # another secret
        ("s3cret", "preferences", lambda t: t),  # made for another purpose
        ("s3cret", "confirm", lambda t: t[:-2]),  # truncated
        ("s3cret", "confirm", lambda t: "e30" + t[3:]),  # payload swapped ({})
        ("s3cret", "confirm", lambda t: ""),
    ],
)
def test_timed_tokens_refuse_forgeries(secret, purpose, mangle):
    token = mangle(sign_timed("s3cret", "confirm", [1, "x"], T0))
    with pytest.raises(TokenError) as info:
        read_timed(secret, purpose, token, max_age=HOUR, now=T0)
    assert not isinstance(info.value, TokenExpired)


def test_a_token_signed_in_the_future_is_refused():
    token = sign_timed("s3cret", "csrf", "v", T0 + timedelta(hours=2))
    with pytest.raises(TokenError, match="future"):
        read_timed("s3cret", "csrf", token, max_age=HOUR, now=T0)


def test_timed_tokens_need_a_secret_and_a_known_purpose():
    with pytest.raises(DigestError, match=r"digest\.secret is not set"):
        sign_timed("", "confirm", 1, T0)
    with pytest.raises(ValueError, match="purpose"):
        sign_timed("s3cret", "unsubscribe-everyone", 1, T0)


def test_address_key_ignores_case_and_shows_no_address():
    assert address_key("Ana@Example.org ") == address_key("ana@example.org")
    assert "ana" not in address_key("ana@example.org") and len(address_key("ana@example.org")) == 16
