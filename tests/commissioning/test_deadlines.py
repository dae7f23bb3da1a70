import datetime

import pytest

from commissioning.deadlines import (
    LONDON,
    OutsideBankHolidayTableError,
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


def test_beyond_the_table_is_a_clear_error():
    with pytest.raises(OutsideBankHolidayTableError, match=r"2028-01-04 is outside the bank holiday table"):
        response_deadline(Urgency.UNDER_5_DAYS, london(2028, 1, 3, 9, 0))


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match=r"timezone-aware"):
        response_deadline(Urgency.TODAY, datetime.datetime(2026, 3, 10, 9, 0))
