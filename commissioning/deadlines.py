"""Response deadlines for referrals, in working days (England and Wales).

The rules (recorded in docs/adr/0011-referral-journey.md):

- **Today**: 17:00 (London time) on the day the referral is sent, when it is sent on a
  working day before 15:00; otherwise 12:00 on the next working day. Two hours is the least
  a provider needs to read a referral and check with the home; after 15:00 they get the
  next morning instead.
- **Within 5 days**: 17:00 on the second working day after the day of sending.
- **More than 5 days**: 17:00 on the fifth working day after the day of sending.

Working days are Monday to Friday except England and Wales bank holidays, substitute days
included. They come from the maintained `holidays` package (docs/adr/0015), so deadlines work
in any year without a network call or a table to extend by hand.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import holidays

from commissioning.models import Urgency

LONDON = ZoneInfo("Europe/London")
END_OF_DAY = datetime.time(17, 0)
NEXT_MORNING = datetime.time(12, 0)
SAME_DAY_CUTOFF = datetime.time(15, 0)
WORKING_DAYS_BY_URGENCY = {Urgency.UNDER_5_DAYS: 2, Urgency.OVER_5_DAYS: 5}

# England and Wales share their bank holidays ("ENG" stands for both in the package); the
# package adds substitute ("observed") days and the one-off holidays (jubilees, coronations,
# state funerals) when they are announced. Years are filled in lazily on first use.
BANK_HOLIDAYS_ENGLAND_AND_WALES = holidays.country_holidays("GB", subdiv="ENG")


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in BANK_HOLIDAYS_ENGLAND_AND_WALES


def next_working_day(day: datetime.date) -> datetime.date:
    """The first working day after `day`."""
    day += datetime.timedelta(days=1)
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def add_working_days(day: datetime.date, count: int) -> datetime.date:
    for _ in range(count):
        day = next_working_day(day)
    return day


def response_deadline(urgency: str, sent_at: datetime.datetime) -> datetime.datetime:
    """When providers must answer a referral sent at `sent_at` (timezone-aware) with this urgency."""
    if sent_at.tzinfo is None:
        raise ValueError("sent_at must be timezone-aware.")
    local = sent_at.astimezone(LONDON)
    if urgency == Urgency.TODAY:
        if is_working_day(local.date()) and local.time() < SAME_DAY_CUTOFF:
            return datetime.datetime.combine(local.date(), END_OF_DAY, tzinfo=LONDON)
        return datetime.datetime.combine(next_working_day(local.date()), NEXT_MORNING, tzinfo=LONDON)
    try:
        count = WORKING_DAYS_BY_URGENCY[Urgency(urgency)]
    except (KeyError, ValueError):
        raise ValueError(f"Unknown urgency: {urgency!r}") from None
    return datetime.datetime.combine(add_working_days(local.date(), count), END_OF_DAY, tzinfo=LONDON)
