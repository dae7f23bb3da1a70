"""Response deadlines for referrals, in working days (England and Wales).

The rules (recorded in docs/adr/0011-referral-journey.md):

- **Today**: 17:00 (London time) on the day the referral is sent, when it is sent on a
  working day before 15:00; otherwise 12:00 on the next working day. Two hours is the least
  a provider needs to read a referral and check with the home; after 15:00 they get the
  next morning instead.
- **Within 5 days**: 17:00 on the second working day after the day of sending.
- **More than 5 days**: 17:00 on the fifth working day after the day of sending.

Working days are Monday to Friday except England and Wales bank holidays. The table below is
fixed in code so deadlines never depend on a network call; dates outside it raise
`OutsideBankHolidayTableError` rather than silently treating a holiday as a working day.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from commissioning.models import Urgency

LONDON = ZoneInfo("Europe/London")
END_OF_DAY = datetime.time(17, 0)
NEXT_MORNING = datetime.time(12, 0)
SAME_DAY_CUTOFF = datetime.time(15, 0)
WORKING_DAYS_BY_URGENCY = {Urgency.UNDER_5_DAYS: 2, Urgency.OVER_5_DAYS: 5}

# England and Wales bank holidays, from the published GOV.UK list
# (https://www.gov.uk/bank-holidays, https://www.gov.uk/bank-holidays.json), including the
# substitute days and the one-off holidays of 2020 (VE day moved), 2022 (Platinum Jubilee,
# State Funeral) and 2023 (Coronation). Extend this table when GOV.UK publishes 2028.
BANK_HOLIDAYS_ENGLAND_AND_WALES: frozenset[datetime.date] = frozenset(
    datetime.date.fromisoformat(day)
    for day in (
        "2019-01-01", "2019-04-19", "2019-04-22", "2019-05-06", "2019-05-27", "2019-08-26", "2019-12-25", "2019-12-26",
        "2020-01-01", "2020-04-10", "2020-04-13", "2020-05-08", "2020-05-25", "2020-08-31", "2020-12-25", "2020-12-28",
        "2021-01-01", "2021-04-02", "2021-04-05", "2021-05-03", "2021-05-31", "2021-08-30", "2021-12-27", "2021-12-28",
        "2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-29", "2022-09-19",
        "2022-12-26", "2022-12-27",
        "2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-28", "2023-12-25",
        "2023-12-26",
        "2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26", "2024-12-25", "2024-12-26",
        "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26",
        "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28",
        "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28",
    )
)  # fmt: skip
FIRST_COVERED = datetime.date(2019, 1, 1)
LAST_COVERED = datetime.date(2027, 12, 31)


class OutsideBankHolidayTableError(ValueError):
    """The date is outside the years whose bank holidays are known."""


def is_working_day(day: datetime.date) -> bool:
    if not FIRST_COVERED <= day <= LAST_COVERED:
        raise OutsideBankHolidayTableError(
            f"{day.isoformat()} is outside the bank holiday table ({FIRST_COVERED.year}-{LAST_COVERED.year}); "
            "add the published GOV.UK dates to commissioning/deadlines.py."
        )
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
