"""The referral journey's words and figures on the page.

- `attention_panel`: the home page's "needs your attention" panel. An inclusion tag rather than
  a call in accounts' home view: accounts must not import commissioning (the dependency runs
  the other way), so the page pulls the panel in instead.
- `pounds`: a weekly fee as people write money: £5,769.66.
- `referral_answers`: the check-your-answers summary list, each answer linked to its field.
- `invitation_answer` and `offer_outcome`: what each provider answered and why it closed, in
  words, rather than one "Closed" for every way a referral ends.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone

from commissioning.models import Invitation, Offer, PlacementRequest, RiskToChild, RiskToOthers
from commissioning.selectors import attention_for

register = template.Library()


@register.inclusion_tag("commissioning/attention.html", takes_context=True)
def attention_panel(context: template.Context) -> dict[str, Any]:
    return {"attention": attention_for(context["request"].user)}


@register.filter
def pounds(value: Decimal | int | float | str | None) -> str:
    """£ with thousands separators and pence ("£5,769.66"); an empty value stays empty."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return ""
    return f"£{amount:,.2f}"


# --- Check your answers ----------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    label: str
    value: str
    anchor: str  # the id of the field's first input on the referral form


def _day(value: datetime.date | None) -> str:
    return f"{value:%-d %B %Y}" if value else ""


def _location(referral: PlacementRequest) -> str:
    if referral.postcode_district:
        return f"Postcode district {referral.postcode_district}"
    return referral.home_local_authority.name if referral.home_local_authority else "Not given"


def _answers(referral: PlacementRequest) -> list[Answer]:
    risks_to_child = ", ".join(RiskToChild(code).label for code in referral.risks_to_child)
    risks_to_others = ", ".join(RiskToOthers(code).label for code in referral.risks_to_others)
    needs = ", ".join(referral.needs.order_by("label").values_list("label", flat=True))
    avoid = ", ".join(referral.areas_to_avoid.order_by("name").values_list("name", flat=True))
    budget = pounds(referral.weekly_budget_guide)
    return [
        Answer("Age", f"{referral.age_years}", "id_age_years"),
        Answer("Sex", referral.get_sex_display(), "id_sex_0"),
        Answer("Legal status", referral.get_legal_status_display(), "id_legal_status_0"),
        Answer("Needs", needs or "None given", "id_needs_0"),
        Answer("Risks to the child", risks_to_child or "None given", "id_risks_to_child_0"),
        Answer("Risks to others", risks_to_others or "None given", "id_risks_to_others_0"),
        Answer("Needs and strengths", referral.summary, "id_summary"),
        Answer("How soon", referral.get_urgency_display(), "id_urgency_0"),
        Answer("Start by", _day(referral.start_by), "id_start_by"),
        Answer("Planned duration", referral.get_planned_duration_display(), "id_planned_duration_0"),
        Answer("Living with other children", referral.get_living_companions_display(), "id_living_companions_0"),
        Answer("Education", referral.get_education_display(), "id_education_0"),
        Answer("The child's location", _location(referral), "id_home_local_authority"),
        Answer("Furthest acceptable distance", f"{referral.maximum_distance_km} km", "id_maximum_distance_km"),
        Answer("Areas to avoid", avoid or "None", "id_areas_to_avoid_0"),
        Answer(
            "Reason for placing outside your authority",
            referral.get_out_of_area_reason_display() or "Not applicable",
            "id_out_of_area_reason_0",
        ),
        Answer("Weekly budget guide", f"{budget} a week" if budget else "Not given", "id_weekly_budget_guide"),
        Answer(
            "Framework lot",
            str(referral.framework_lot) if referral.framework_lot else "No framework",
            "id_framework_lot",
        ),
    ]


@register.inclusion_tag("commissioning/_referral_answers.html")
def referral_answers(referral: PlacementRequest) -> dict[str, Any]:
    return {"answers": _answers(referral), "edit_url": reverse("commissioning:referral_edit", args=[referral.pk])}


# --- Outcomes --------------------------------------------------------------------------------


def _closed_why(referral: PlacementRequest, placed_with: str) -> str:
    closed_on = _day(timezone.localdate(referral.closed_at)) if referral.closed_at else ""
    if referral.status == PlacementRequest.Status.PLACED:
        return f"placed with {placed_with}" if placed_with else "placed with another provider"
    if referral.status == PlacementRequest.Status.WITHDRAWN:
        return f"withdrawn by the authority on {closed_on}"
    if referral.status == PlacementRequest.Status.EXPIRED:
        return f"expired on {closed_on}, with no placement agreed by the start date"
    return "closed"


def _offered(offers: list[Offer]) -> str:
    return "; ".join(f"offered {offer.home} at {pounds(offer.weekly_fee)} a week" for offer in offers)


@register.simple_tag
def invitation_answer(invitation: Invitation, referral: PlacementRequest, placed_with: str = "") -> str:
    """What the provider answered, and for a closed invitation why it closed, in words."""
    offers = list(invitation.offers.all())
    decline = getattr(invitation, "decline", None)
    if decline is not None:
        answer = f"Declined: {decline.get_reason_display()}" + (f" ({decline.note})" if decline.note else "")
    elif offers:
        answer = _offered(offers)
        answer = answer[0].upper() + answer[1:]
    elif invitation.status == Invitation.Status.EXPIRED or (
        invitation.responded_at is None and invitation.deadline < (referral.closed_at or timezone.now())
    ):
        answer = f"No answer by the deadline ({invitation.deadline:%-d %B %Y})"
    elif invitation.status == Invitation.Status.CLOSED:
        answer = "No answer before it closed"
    else:
        answer = invitation.get_status_display()
    if invitation.status != Invitation.Status.CLOSED:
        return answer
    if any(offer.status == Offer.Status.ACCEPTED for offer in offers):
        return f"{answer}: accepted"
    return f"{answer}. Closed: {_closed_why(referral, placed_with)}"


@register.simple_tag
def offer_outcome(offer: Offer, referral: PlacementRequest, placed_with: str = "") -> str:
    """An offer's status, with why a referral's other offers were not taken up."""
    decided = _day(timezone.localdate(offer.decided_at)) if offer.decided_at else ""
    if offer.status == Offer.Status.ACCEPTED:
        return f"Accepted on {decided}" if decided else "Accepted"
    if offer.status == Offer.Status.WITHDRAWN:
        return f"Withdrawn by the provider on {decided}" if decided else "Withdrawn by the provider"
    if offer.status == Offer.Status.NOT_SELECTED:
        return f"Not selected: {_closed_why(referral, placed_with)}"
    return offer.get_status_display()
