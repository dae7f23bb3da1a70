"""What a SYNTHETIC referral says, and how providers and commissioners answer it.

Pure functions of a seeded random generator: no database writes. Shares follow what the
field reports: most children referred to residential care are 12 to 16, about a third of
referrals are for today, and providers decline most referrals, mostly for want of a
vacancy, for the impact on the children already living in the home, or because the needs
are outside the home's registration. Summaries never carry an identifier (no names,
dates, places or numbers beyond an age).
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TypeVar

from commissioning.models import (
    DeclineReason,
    EducationNeed,
    LegalStatus,
    LivingCompanions,
    PlannedDuration,
    ReferralSex,
    RiskToChild,
    RiskToOthers,
    Urgency,
)
from commissioning.services import ReferralDetails, WeeklyFees
from demo.homes import NEED_SHARE
from demo.placements import FEE_SPLIT, weekly_fee
from geography.models import LocalAuthority

Choice = TypeVar("Choice")

SYNTHETIC_LABEL = "Synthetic demo referral."
AGES = {10: 2, 11: 4, 12: 9, 13: 13, 14: 17, 15: 19, 16: 14, 17: 6}
SEXES = {ReferralSex.MALE: 55, ReferralSex.FEMALE: 42, ReferralSex.OTHER: 3}
LEGAL_STATUSES = {
    LegalStatus.CARE_ORDER: 45, LegalStatus.SECTION_20: 25, LegalStatus.INTERIM_CARE_ORDER: 20,
    LegalStatus.POLICE_PROTECTION: 3, LegalStatus.REMAND: 3, LegalStatus.PLACEMENT_ORDER: 2, LegalStatus.OTHER: 2,
}  # fmt: skip
URGENCIES = {Urgency.TODAY: 34, Urgency.UNDER_5_DAYS: 33, Urgency.OVER_5_DAYS: 33}
DURATIONS = {
    PlannedDuration.EMERGENCY: 15, PlannedDuration.SHORT_TERM: 30,
    PlannedDuration.LONG_TERM: 40, PlannedDuration.UNTIL_INDEPENDENCE: 15,
}  # fmt: skip
COMPANIONS = {
    LivingCompanions.ANY: 55, LivingCompanions.SMALL_GROUP: 25,
    LivingCompanions.ONE_OTHER: 12, LivingCompanions.ALONE: 8,
}  # fmt: skip
EDUCATION = {
    EducationNeed.KEEPS_SCHOOL: 40, EducationNeed.NEEDS_SCHOOL_PLACE: 35, EducationNeed.NEEDS_ON_SITE_EDUCATION: 20,
}  # fmt: skip
DECLINES = {
    DeclineReason.NO_VACANCY: 40, DeclineReason.IMPACT_ON_CHILDREN: 26,
    DeclineReason.NEEDS_OUTSIDE_REGISTRATION: 18, DeclineReason.LOCATION: 7,
    DeclineReason.STAFFING: 6, DeclineReason.OTHER: 3,
}  # fmt: skip
DECLINE_NOTES = {
    DeclineReason.NO_VACANCY: ["Our last place was filled this week.", "", "No place free until next month."],
    DeclineReason.IMPACT_ON_CHILDREN: [
        "The current group includes younger children and the risks described would unsettle them.",
        "Two young people have just moved in; the home needs time to settle.",
    ],
    DeclineReason.NEEDS_OUTSIDE_REGISTRATION: ["We are not registered for these needs.", ""],
    DeclineReason.LOCATION: ["Too far from the child's school and network."],
    DeclineReason.STAFFING: ["We cannot staff the support asked for at present."],
    DeclineReason.OTHER: ["The home is being refurbished and is not admitting."],
}
# Needs a referral may ask for, each linked to the risk it most often comes with.
RISK_OF_NEED = {
    "sexual-exploitation": RiskToChild.SEXUAL_EXPLOITATION,
    "criminal-exploitation": RiskToChild.CRIMINAL_EXPLOITATION,
    "going-missing": RiskToChild.GOING_MISSING,
    "self-harm": RiskToChild.SELF_HARM,
    "drug-alcohol-misuse": RiskToChild.SUBSTANCE_MISUSE,
}
STRENGTHS = (
    "loves football and is proud of their drawing",
    "is funny, warm and good company once they trust the adults around them",
    "enjoys cooking and music and has kept a close friendship from school",
    "is curious and bright and wants to do well in their exams",
    "likes being outdoors, swimming and looking after animals",
)
NEED_SENTENCES = {
    "emotional-behavioural": "Needs calm, consistent adults when distressed.",
    "trauma-informed-care": "Has lived through early trauma and needs carers who understand it.",
    "going-missing": "Has gone missing several times in the last few months.",
    "sexual-exploitation": "There are concerns about exploitation by older adults met online.",
    "criminal-exploitation": "There are concerns about being drawn into county lines.",
    "self-harm": "Has self-harmed recently and is supported by the local mental health team.",
    "mental-health": "Has anxiety and low mood and is waiting for therapy.",
    "autism": "Is autistic and does best with routine, clear plans and a quiet room.",
    "learning-disability": "Has a learning disability and needs help with everyday tasks.",
    "drug-alcohol-misuse": "Uses cannabis and alcohol and has agreed to work with a drugs worker.",
}
PLANS = (
    "The plan is a stable home where they can return to full-time education.",
    "Family time with a grandparent is to continue.",
    "The current placement has ended at short notice.",
    "Their foster carers can no longer manage the risks.",
    "They need a fresh start away from the people who exploit them.",
)
ACCEPT_REASONS = (
    "Best match for the child's needs and the home can start when needed.",
    "Closest home to the child's school and family.",
    "The home's experience with similar needs and a good settling-in plan.",
)
WITHDRAW_REASONS = (
    "The child has returned to live with family.",
    "A foster placement became available.",
    "The child has been placed in one of the authority's own homes.",
)
CONDITIONS = ("", "", "An introductory visit before moving in.", "Two-to-one staffing for the first four weeks.")


def pick(rng: random.Random, weights: Mapping[Choice, int]) -> Choice:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _needs(rng: random.Random) -> list[str]:
    count = rng.choices([1, 2, 3], weights=[35, 45, 20])[0]
    codes = list(NEED_SHARE)
    chosen: list[str] = []
    while len(chosen) < count:
        code = rng.choices(codes, weights=[NEED_SHARE[c] ** 2 for c in codes])[0]
        if code not in chosen:
            chosen.append(code)
    return chosen


def referral_summary(rng: random.Random, age: int, sex: str, needs: Sequence[str]) -> str:
    nouns: dict[str, str] = {ReferralSex.MALE: "boy", ReferralSex.FEMALE: "girl"}
    noun = nouns.get(sex, "young person")
    sentences = [NEED_SENTENCES[code] for code in needs if code in NEED_SENTENCES]
    return " ".join(
        [SYNTHETIC_LABEL, f"A {age}-year-old {noun} who {rng.choice(STRENGTHS)}.", *sentences, rng.choice(PLANS)]
    )


def _start_by(rng: random.Random, urgency: str, sent_on: datetime.date) -> datetime.date:
    days_by_urgency: dict[str, int] = {Urgency.TODAY: 0, Urgency.UNDER_5_DAYS: rng.randint(1, 5)}
    days = days_by_urgency.get(urgency, rng.randint(7, 28))
    return sent_on + datetime.timedelta(days=days)


def referral_details(
    rng: random.Random, authority: LocalAuthority, sent_on: datetime.date, *, latest_start: datetime.date
) -> ReferralDetails:
    """A synthetic referral for a child from `authority`, to be sent on `sent_on`."""
    age, sex, needs = pick(rng, AGES), pick(rng, SEXES), _needs(rng)
    urgency = pick(rng, URGENCIES)
    education = EducationNeed.NOT_APPLICABLE if age >= 16 and rng.random() < 0.4 else pick(rng, EDUCATION)
    risks_to_others = [pick(rng, {r: 1 for r in RiskToOthers.values})] if rng.random() < 0.35 else []
    return ReferralDetails(
        age_years=age,
        sex=sex,
        legal_status=pick(rng, LEGAL_STATUSES),
        urgency=urgency,
        planned_duration=PlannedDuration.EMERGENCY if urgency == Urgency.TODAY else pick(rng, DURATIONS),
        education=education,
        start_by=min(_start_by(rng, urgency, sent_on), max(latest_start, sent_on)),
        summary=referral_summary(rng, age, sex, needs),
        living_companions=pick(rng, COMPANIONS),
        need_codes=needs,
        risks_to_child=sorted({RISK_OF_NEED[code] for code in needs if code in RISK_OF_NEED}),
        risks_to_others=risks_to_others,
        home_local_authority=authority,
        maximum_distance_km=rng.choice([60, 80, 100, 120, 150]),
    )


def decline_answer(rng: random.Random) -> tuple[str, str]:
    """(reason code, note)."""
    reason = pick(rng, DECLINES)
    return reason, rng.choice(DECLINE_NOTES[DeclineReason(reason)])


def financial_year(day: datetime.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def offer_fees(rng: random.Random, day: datetime.date, sector: str) -> WeeklyFees:
    """A weekly fee calibrated like the synthetic placements, split core/additional/education/other."""
    fee = weekly_fee(rng, financial_year(day), sector)
    core, additional, education = ((fee * share).quantize(Decimal("0.01")) for share in FEE_SPLIT[:3])
    return WeeklyFees(
        core=core, additional_support=additional, education=education, other=fee - core - additional - education
    )
