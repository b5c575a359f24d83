"""One rule for times: aware only, stored as UTC text at second precision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from policytrack.errors import TimestampError
from policytrack.timeutil import Period, parse_utc, utc_text

NOW = datetime(2025, 3, 14, 9, 30, 15, 123456, tzinfo=UTC)


def test_stored_text_is_utc_at_second_precision_and_round_trips():
    paris = NOW.astimezone(timezone(timedelta(hours=1)))
    assert utc_text(paris) == utc_text(NOW) == "2025-03-14T09:30:15+00:00"
    assert parse_utc(utc_text(NOW)) == NOW.replace(microsecond=0)


def test_a_naive_time_is_refused_everywhere():
    with pytest.raises(TimestampError, match="no time zone"):
        utc_text(NOW.replace(tzinfo=None))
    with pytest.raises(TimestampError):
        parse_utc("2025-03-14T09:30:15")


def test_period_must_be_aware_and_non_empty():
    with pytest.raises(TimestampError, match="empty period"):
        Period(NOW, NOW)
    with pytest.raises(TimestampError, match="no time zone"):
        Period(NOW.replace(tzinfo=None) - timedelta(days=1), NOW.replace(tzinfo=None))


def test_a_period_equals_itself_after_a_trip_through_the_store():
    # The digest's Message-ID is derived from the period: microseconds must not change it.
    period = Period(NOW - timedelta(days=7), NOW)
    assert period == Period(parse_utc(utc_text(period.start)), parse_utc(utc_text(period.end)))
