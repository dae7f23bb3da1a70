import datetime

import pytest

from commissioning.deadlines import (
    LONDON,
    add_working_days,
    is_working_day,
    response_deadline,
)
from commissioning.models import Urgency


def london(year: int, month: int, day: int, hour: int, minute: int) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("urgency", "sent_at", "expected"),
    [
        # Today: 17:00 the same working day when sent before 15:00...
        (Urgency.TODAY, london(2026, 3, 10, 9, 0), london(2026, 3, 10, 17, 0)),
        (Urgency.TODAY, london(2026, 3, 10, 14, 59), london(2026, 3, 10, 17, 0)),
        # ... otherwise 12:00 the next working day.
        (Urgency.TODAY, london(2026, 3, 10, 15, 0), london(2026, 3, 11, 12, 0)),
        (Urgency.TODAY, london(2026, 3, 13, 16, 30), london(2026, 3, 16, 12, 0)),  # Friday -> Monday
        (Urgency.TODAY, london(2026, 3, 14, 10, 0), london(2026, 3, 16, 12, 0)),  # Saturday -> Monday
        (Urgency.TODAY, london(2026, 4, 3, 10, 0), london(2026, 4, 7, 12, 0)),  # Good Friday -> Tuesday
        # Within 5 days: two working days, weekends skipped.
        (Urgency.UNDER_5_DAYS, london(2026, 3, 10, 9, 0), london(2026, 3, 12, 17, 0)),
        (Urgency.UNDER_5_DAYS, london(2026, 3, 12, 9, 0), london(2026, 3, 16, 17, 0)),  # Thursday -> Monday
        (Urgency.UNDER_5_DAYS, london(2026, 3, 14, 9, 0), london(2026, 3, 17, 17, 0)),  # Saturday
        # Easter 2026: Good Friday 3 April and Easter Monday 6 April are skipped.
        (Urgency.UNDER_5_DAYS, london(2026, 4, 2, 9, 0), london(2026, 4, 8, 17, 0)),
        # Christmas 2026: 25 December (Friday) and 28 December (Boxing Day substitute).
        (Urgency.UNDER_5_DAYS, london(2026, 12, 24, 9, 0), london(2026, 12, 30, 17, 0)),
        (Urgency.TODAY, london(2026, 12, 24, 16, 0), london(2026, 12, 29, 12, 0)),
        # More than 5 days: five working days.
        (Urgency.OVER_5_DAYS, london(2026, 3, 10, 9, 0), london(2026, 3, 17, 17, 0)),
        (Urgency.OVER_5_DAYS, london(2027, 12, 22, 9, 0), london(2027, 12, 31, 17, 0)),
        # The May bank holiday 2026 (4 May).
        (Urgency.OVER_5_DAYS, london(2026, 4, 30, 9, 0), london(2026, 5, 8, 17, 0)),
    ],
)
def test_response_deadline(urgency, sent_at, expected):
    assert response_deadline(urgency, sent_at) == expected


def test_a_utc_time_is_read_in_london_time():
    # 14:30 UTC in British Summer Time is 15:30 in London: past the same-day cut-off.
    sent_at = datetime.datetime(2026, 6, 10, 14, 30, tzinfo=datetime.UTC)
    deadline = response_deadline(Urgency.TODAY, sent_at)
    assert deadline == london(2026, 6, 11, 12, 0)
    assert deadline.utcoffset() == datetime.timedelta(hours=1)


def test_working_days():
    assert is_working_day(datetime.date(2026, 3, 10)) is True
    assert is_working_day(datetime.date(2026, 3, 14)) is False  # Saturday
    assert is_working_day(datetime.date(2022, 9, 19)) is False  # the State Funeral
    assert add_working_days(datetime.date(2025, 12, 24), 1) == datetime.date(2025, 12, 29)


# GOV.UK's published England and Wales bank holidays (https://www.gov.uk/bank-holidays.json)
# for 2019-2027, the table the code kept by hand before the `holidays` package: substitute
# days and the one-off holidays of 2020 (VE day moved), 2022 (Platinum Jubilee, State Funeral)
# and 2023 (Coronation) included.
PUBLISHED_2019_TO_2027 = {
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
}  # fmt: skip


def test_the_weekdays_off_are_the_published_bank_holidays():
    day, weekdays_off = datetime.date(2019, 1, 1), set()
    while day.year < 2028:
        if day.weekday() < 5 and not is_working_day(day):
            weekdays_off.add(day)
        day += datetime.timedelta(days=1)
    assert weekdays_off == PUBLISHED_2019_TO_2027


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (datetime.date(2026, 12, 28), False),  # Monday: the substitute for Boxing Day (a Saturday)
        (datetime.date(2026, 12, 29), True),
        (datetime.date(2027, 12, 27), False),  # Christmas Day on a Saturday: Monday off...
        (datetime.date(2027, 12, 28), False),  # ... and Boxing Day on a Sunday: Tuesday off
        (datetime.date(2028, 1, 3), False),  # New Year's Day on a Saturday: Monday off
        (datetime.date(2028, 2, 29), True),  # a leap day, a Tuesday
        (datetime.date(2031, 4, 11), False),  # Good Friday 2031
        (datetime.date(2031, 4, 14), False),  # Easter Monday 2031
        (datetime.date(2033, 12, 26), False),  # Boxing Day 2033, a Monday
        (datetime.date(2033, 12, 27), False),  # the substitute for Christmas Day (a Sunday)
    ],
)
def test_working_days_in_any_year(day, working):
    assert is_working_day(day) is working


def test_deadlines_work_beyond_the_years_once_kept_by_hand():
    # Sent on Monday 3 January 2028 (a substitute New Year's Day): two working days from it.
    assert response_deadline(Urgency.UNDER_5_DAYS, london(2028, 1, 3, 9, 0)) == london(2028, 1, 5, 17, 0)
    # Thursday 10 April 2031, the day before Good Friday: Easter is skipped.
    assert response_deadline(Urgency.UNDER_5_DAYS, london(2031, 4, 10, 9, 0)) == london(2031, 4, 16, 17, 0)


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match=r"timezone-aware"):
        response_deadline(Urgency.TODAY, datetime.datetime(2026, 3, 10, 9, 0))
