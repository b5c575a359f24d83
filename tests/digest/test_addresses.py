"""Strict address validation: one bare addr-spec, nothing that could reach a header or RCPT TO."""

from __future__ import annotations

from email.headerregistry import Address

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policytrack.digest.addresses import validate_address
from policytrack.digest.errors import AddressError


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ana@example.org", "ana@example.org"),
        ("  Ana.Lopez+eu@Example.ORG ", "Ana.Lopez+eu@example.org"),
        ("o'neil@sub.domain.example.eu", "o'neil@sub.domain.example.eu"),
        ("info@bücher.example", "info@xn--bcher-kva.example"),
    ],
)
def test_valid_addresses_are_normalised(text, expected):
    assert validate_address(text) == expected


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "empty"),
        ("ana@example.org\r\nBcc: victim@example.org", "line breaks"),
        ("ana@example.org\n", "line breaks"),
        ("Ana <ana@example.org>", "spaces"),
        ("<ana@example.org>", "one plain address"),
        ("ana@example.org, ben@example.org", "spaces"),
        ("ana@example.org,ben@example.org", "invalid email address"),
        ("ana", "invalid email address"),
        ("ana@", "invalid email address"),
        ("@example.org", "invalid email address"),
        ("ana@@example.org", "invalid email address"),
        ("ana@localhost", "not a valid host name"),
        ("ana@example", "not a valid host name"),
        ("ana@-bad-.org", "not a valid host name"),
        ("ana@[127.0.0.1]", "invalid email address"),
        ('"ana lopez"@example.org', "spaces"),
        ('"ana"@example.org', "one plain address"),
        ("ana..lopez@example.org", "invalid email address"),
        ("ana(comment)@example.org", "invalid email address"),
        ("a" * 65 + "@example.org", "longer than 64"),
        ("ana@" + "a" * 250 + ".org", "longer than 254"),
        ("ana\x00@example.org", "line breaks and NUL"),
    ],
)
def test_invalid_addresses_are_refused_with_a_reason(text, reason):
    with pytest.raises(AddressError) as info:
        validate_address(text)
    assert reason in str(info.value)


def test_non_text_is_refused():
    with pytest.raises(AddressError, match="must be text"):
        validate_address(None)


@given(st.text(max_size=40))
def test_whatever_is_accepted_is_one_clean_addr_spec(text):
    try:
        address = validate_address(text)
    except AddressError:
        return
    assert not any(c.isspace() or ord(c) < 32 for c in address)
    parsed = Address(addr_spec=address)
    assert parsed.addr_spec == address and "@" not in parsed.username
