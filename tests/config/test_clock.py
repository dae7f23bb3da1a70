"""TEST_CLOCK, the switch that runs the suite on another day, reads what it is given or refuses."""

from __future__ import annotations

import datetime

import pytest

from tests.clock import clock_moment, clock_parse

NOW = datetime.datetime(2026, 12, 4, 8, 30, 15, tzinfo=datetime.UTC)


def test_a_date_keeps_the_real_time_of_day():
    assert clock_parse("2028-02-29", now=NOW) == datetime.datetime(2028, 2, 29, 8, 30, 15, tzinfo=datetime.UTC)


def test_an_aware_moment_is_taken_as_given():
    moment = clock_parse("2031-06-15T23:30:00+01:00", now=NOW)
    assert moment == datetime.datetime(2031, 6, 15, 22, 30, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2028-02-30", r"give a date \(2028-02-29\)"),
        ("tomorrow", r"give a date \(2028-02-29\)"),
        ("2028-02-29T09:00", r"give the time zone too"),
    ],
)
def test_anything_else_is_refused_saying_what_to_give(value, message):
    with pytest.raises(ValueError, match=message):
        clock_parse(value, now=NOW)


def test_a_process_started_later_starts_its_moved_clock_as_far_along():
    """A Celery worker a test starts 5 s into the run was 5 s behind the test that started it,
    so what it recorded looked older than what the test had done before."""
    started_at = NOW.timestamp()
    later = started_at + 5.25
    moment = clock_moment("2031-06-15T23:30:00+01:00", started_at=started_at, real_now=later)
    assert moment == datetime.datetime(2031, 6, 15, 22, 30, 5, 250000, tzinfo=datetime.UTC)
    assert clock_moment("2031-06-15T23:30:00+01:00", started_at=started_at, real_now=started_at) == (
        datetime.datetime(2031, 6, 15, 22, 30, tzinfo=datetime.UTC)
    )
    # A date alone keeps each process's own real time of day, which is already in step.
    assert clock_moment("2028-02-29", started_at=started_at, real_now=later) == datetime.datetime(
        2028, 2, 29, 8, 30, 20, 250000, tzinfo=datetime.UTC
    )
