"""What each relationship indicator means, shown beside its figure on the relationship page.

Indicators describe one relationship to the two organisations in it. There is deliberately no
single score and no ranking of organisations (see docs/adr).
"""

from __future__ import annotations

DEFINITIONS: dict[str, str] = {
    "commitments_kept_share": (
        "Of the commitments in this log whose outcome is known, the share kept (on time or after a "
        "renegotiated date). Missed means recorded as missed by either side, or passed its due date "
        "with no update (the service records that the next night)."
    ),
    "provider_response_hours_median": (
        "Median time from a referral being sent to this provider to the provider's offer or decline, "
        "over every answered invitation between the two organisations."
    ),
    "commissioner_response_hours_median": (
        "Median time from an offer being made to the commissioner's decision on it (accepted, not "
        "selected, or the referral withdrawn)."
    ),
    "open_concerns": (
        "Concerns with no restorative case closed on them and no reply from the other side, and "
        "restorative cases still open; with the age in days of the oldest."
    ),
    "days_since_dialogue": ("Days since the last entry written by a person (anything but the service's own entries)."),
    "placements": (
        "Placements made through the service between the two organisations, and how many of them "
        "ended in an unplanned way."
    ),
    "pulse_trend": (
        "Each side's average answer (1 to 5) to the four pulse questions, quarter by quarter: "
        "commitments are honoured; we are heard; information comes in good time; we learn together."
    ),
}
