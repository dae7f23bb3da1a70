"""Moving the whole test run to another day, to prove the tests pass on any day.

`TEST_CLOCK=2028-02-29 make test` (or `TEST_CLOCK=2031-06-15T23:30+01:00`) starts the run's
clock at that moment and lets it tick. A date alone keeps the real time of day. The process
that loads tests/settings.py moves (pytest, and the Celery workers the tests start); the
PostgreSQL server and the browser keep the real clock, and no code of ours asks them the time.
"""

from __future__ import annotations

import datetime
import os
import time

import time_machine

_started: list[time_machine.travel] = []


def clock_parse(value: str, *, now: datetime.datetime | None = None) -> datetime.datetime:
    """The moment TEST_CLOCK names: an ISO date (at the real time of day, UTC) or an aware
    ISO date-time. Anything else is refused with the form it should take."""
    now = now or datetime.datetime.now(datetime.UTC)
    try:
        if len(value) == 10:
            return datetime.datetime.combine(datetime.date.fromisoformat(value), now.timetz())
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"TEST_CLOCK={value!r}: give a date (2028-02-29) or an aware date-time.") from None
    if moment.tzinfo is None:
        raise ValueError(f"TEST_CLOCK={value!r}: give the time zone too, e.g. 2028-02-29T09:00+00:00.")
    return moment


# When the run's first process moved its clock (real seconds since the epoch), for the processes
# it starts: they inherit the environment and start their clocks as far along as the first one's.
STARTED_AT = "TEST_CLOCK_STARTED_AT"


def clock_moment(value: str, *, started_at: float, real_now: float) -> datetime.datetime:
    """The moment this process's clock starts at: TEST_CLOCK's, moved on by the real time since
    the run's first process started (a worker started later must not be behind the tests that
    started it). A date alone already keeps each process's real time of day."""
    moment = clock_parse(value, now=datetime.datetime.fromtimestamp(real_now, datetime.UTC))
    if len(value) == 10:
        return moment
    return moment + datetime.timedelta(seconds=max(0.0, real_now - started_at))


def clock_move_from_environment() -> datetime.datetime | None:
    """Start the moved clock once per process when TEST_CLOCK is set; the moment, or None."""
    value = os.environ.get("TEST_CLOCK", "").strip()
    if not value:
        return None
    real_now = time.time()
    started_at = float(os.environ.setdefault(STARTED_AT, repr(real_now)))
    moment = clock_moment(value, started_at=started_at, real_now=real_now)
    if not _started:
        travel = time_machine.travel(moment, tick=True)
        travel.start()
        _started.append(travel)
    return moment
