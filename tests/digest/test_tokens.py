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
