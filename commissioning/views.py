"""HTML pages of the referral journey. Thin: parse, authorise (through scoped selectors),
call a service, render. Commissioners' pages start from `placement_requests_...`; provider
pages from `invitations_...`; an object outside the user's scope is a 404."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.idempotency import form_replayed, form_submit_once
from accounts.models import Organisation, User
from commissioning import matching, selectors, services
from commissioning.forms import (
    DeclineForm,
    OfferForm,
    PlacementEndForm,
    PlacementRequestForm,
    ReasonForm,
    SendForm,
    initial_from,
)
from commissioning.matching import Candidate
from commissioning.models import Invitation, Offer, PlacementRequest, RiskToChild, RiskToOthers
from config.forms import form_errors_add
from config.pagination import page_of
from providers.models import Federation, Home

GET_POST = require_http_methods(["GET", "POST"])


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # LoginRequiredMiddleware has refused anonymous requests


def _candidates(placement_request: PlacementRequest) -> list[Candidate]:
    """Candidate homes from matching, ranked by fit and distance (never price)."""
    return matching.candidate_homes(placement_request)


def _risk_labels(referral: PlacementRequest) -> dict[str, str]:
    return {
        "risks_to_child": ", ".join(RiskToChild(code).label for code in referral.risks_to_child),
        "risks_to_others": ", ".join(RiskToOthers(code).label for code in referral.risks_to_others),
    }


def _require_commissioner_or_staff(request: HttpRequest) -> None:
    user = _user(request)
    if not (user.is_staff or selectors.commissioning_organisations_of(user).exists()):
        raise PermissionDenied("Only commissioners can see referrals.")


def _require_provider_or_staff(request: HttpRequest) -> None:
    user = _user(request)
    if not (user.is_staff or selectors.provider_organisations_acted_for(user).exists()):
        raise PermissionDenied("Only provider staff can see referrals received.")


# --- Commissioners -------------------------------------------------------------------------


@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    _require_commissioner_or_staff(request)
    referrals = (
        selectors.placement_requests_visible_to(request.user)
        .select_related("local_authority")
        .order_by("-created_at", "-pk")
    )
    return render(request, "commissioning/referral_list.html", page_of(request, referrals))


@GET_POST
def referral_create(request: HttpRequest) -> HttpResponse:
    organisation: Organisation | None = selectors.commissioning_organisation_of(request.user)
    if organisation is None:
        raise PermissionDenied("Only commissioners can make referrals.")
    form = PlacementRequestForm(request.POST or None, local_authority=organisation.local_authority)
    if request.method == "POST" and form.is_valid():

        def create() -> str:
            referral = services.placement_request_create(
                organisation=organisation, details=form.details(), created_by=_user(request)
            )
            messages.success(request, "Draft saved. Check your answers and the homes it would reach, then send it.")
            return reverse("commissioning:referral_preview", args=[referral.pk])

        try:
            return form_submit_once(request, create)
        except ValidationError as error:
            form_errors_add(form, error)
    return render(request, "commissioning/referral_form.html", {"form": form, "organisation": organisation})


@GET_POST
def referral_edit(request: HttpRequest, pk: int) -> HttpResponse:
    referral = get_object_or_404(selectors.placement_requests_actionable_by(request.user), pk=pk)
    if referral.status != PlacementRequest.Status.DRAFT:
        messages.info(request, "Only a draft can be changed.")
        return redirect("commissioning:referral_detail", pk=referral.pk)
    form = PlacementRequestForm(
        request.POST or None, initial=initial_from(referral), local_authority=referral.local_authority
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.placement_request_update(
                placement_request=referral, details=form.details(), updated_by=_user(request)
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, "Draft saved.")
            return redirect("commissioning:referral_preview", pk=referral.pk)
    context = {"form": form, "organisation": referral.organisation, "referral": referral}
    return render(request, "commissioning/referral_form.html", context)


@GET_POST
def referral_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Check your answers, then send: the draft's every answer (each with a link to change it)
    and the homes it would reach, ranked, with fit and distance explained. Nothing is sent until
    the commissioner presses Send; a repeated press sends once."""
    if repeated := form_replayed(request):
        return repeated
    referral = get_object_or_404(selectors.placement_requests_actionable_by(request.user), pk=pk)
    if referral.status != PlacementRequest.Status.DRAFT:
        messages.info(request, "This referral has been sent.")
        return redirect("commissioning:referral_detail", pk=referral.pk)
    candidates = _candidates(referral)
    federations = matching.federations_reached(candidates)
    form = SendForm(
        _send_data(request, federations), candidate_home_ids=[candidate.home.pk for candidate in candidates]
    )
    if request.method == "POST" and form.is_valid():
        try:
            return form_submit_once(request, lambda: _send(request, referral, list(form.cleaned_data["homes"])))
        except ValidationError as error:
            form_errors_add(form, error)
    chosen = {str(pk) for pk in form["homes"].value() or []} if form.is_bound else None
    context = {
        "referral": referral,
        "form": form,
        "candidates": candidates,
        "providers_reached": matching.providers_reached(candidates),
        "federations_reached": federations,
        "chosen": chosen,
        "answers_checked": _answers_token(referral),
        **_risk_labels(referral),
    }
    return render(request, "commissioning/referral_preview.html", context)


ANSWERS_SALT = "commissioning.referral_preview.answers"
ANSWERS_NOT_CHECKED = "This page could not be checked: check your answers below, then send the referral again."


def _answers_token(referral: PlacementRequest) -> str:
    """The answers as shown, signed: the confirmation carries it back, so a changed draft or a
    forged confirmation is refused rather than sent."""
    digest = selectors.placement_request_answers_digest(referral)
    return signing.dumps({"referral": referral.pk, "answers": digest}, salt=ANSWERS_SALT)


def _answers_confirmed(request: HttpRequest, referral: PlacementRequest) -> str:
    try:
        token = signing.loads(request.POST.get("answers_checked", ""), salt=ANSWERS_SALT)
    except signing.BadSignature:
        raise ValidationError(ANSWERS_NOT_CHECKED, code="answers_not_checked") from None
    if not isinstance(token, dict) or token.get("referral") != referral.pk or not token.get("answers"):
        raise ValidationError(ANSWERS_NOT_CHECKED, code="answers_not_checked")
    return str(token["answers"])


def _send(request: HttpRequest, referral: PlacementRequest, homes: list[Home]) -> str:
    invitations = services.placement_request_send(
        placement_request=referral,
        homes=homes,
        sent_by=_user(request),
        answers_checked=_answers_confirmed(request, referral),
    )
    providers = len(invitations)
    messages.success(request, f"Referral sent to {providers} provider{'s' if providers != 1 else ''}.")
    return reverse("commissioning:referral_detail", args=[referral.pk])


def _send_data(request: HttpRequest, federations: list[tuple[Federation, list[Candidate]]]) -> QueryDict | None:
    """The homes chosen; "send to a federation" chooses its members' candidate homes, so the
    federation is reached as one recipient (its joint inbox)."""
    if request.method != "POST":
        return None
    chosen = request.POST.get("federation")
    for federation, members in federations:
        if chosen == str(federation.pk):
            data = request.POST.copy()
            data.setlist("homes", [str(candidate.home.pk) for candidate in members])
            return data
    return request.POST


@require_GET
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = get_object_or_404(
        selectors.placement_requests_visible_to(request.user).select_related("local_authority"), pk=pk
    )
    offers = page_of(request, selectors.offers_of(referral).order_by("made_at", "pk"), param="offers_page")
    shown = list(offers["page"].object_list)
    # Fit and distance of the homes offered, measured as the preview did, whatever has happened since.
    # Not once the child's details are purged: with its needs gone the fit would be wrong.
    assessed = {} if referral.purged_at else matching.homes_assessed(referral, [offer.home for offer in shown])
    accepted = selectors.offers_of(referral).filter(status=Offer.Status.ACCEPTED).first()
    can_act = selectors.placement_requests_actionable_by(request.user).filter(pk=referral.pk).exists()
    invitations = selectors.invitations_of(referral).order_by("provider_organisation__name", "pk")
    context = {
        "referral": referral,
        "invitations": page_of(request, invitations, param="invitations_page"),
        "offers": [(offer, assessed.get(offer.home_id)) for offer in shown],
        "offers_pages": offers,
        "placed_with": accepted.invitation.provider_organisation.name if accepted else "",
        "can_act": can_act,
        **_risk_labels(referral),
    }
    return render(request, "commissioning/referral_detail.html", context)


@GET_POST
def referral_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    referral = get_object_or_404(selectors.placement_requests_actionable_by(request.user), pk=pk)
    if referral.status not in {PlacementRequest.Status.DRAFT, PlacementRequest.Status.SENT}:
        messages.info(request, "This referral is already closed.")
        return redirect("commissioning:referral_detail", pk=referral.pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.placement_request_withdraw(
                placement_request=referral, reason=form.cleaned_data["reason"], withdrawn_by=_user(request)
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, "Referral withdrawn. Every invited provider has been told.")
            return redirect("commissioning:referral_detail", pk=referral.pk)
    return render(request, "commissioning/referral_withdraw.html", {"referral": referral, "form": form})


@GET_POST
def offer_accept(request: HttpRequest, pk: int, offer_pk: int) -> HttpResponse:
    referral = get_object_or_404(selectors.placement_requests_actionable_by(request.user), pk=pk)
    offer = get_object_or_404(selectors.offers_of(referral), pk=offer_pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.offer_accept(offer=offer, accepted_by=_user(request), reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, "Offer accepted. The placement is recorded and every provider has been told.")
            return redirect("commissioning:referral_detail", pk=referral.pk)
    return render(request, "commissioning/offer_accept.html", {"referral": referral, "offer": offer, "form": form})


@require_GET
def placement_list(request: HttpRequest) -> HttpResponse:
    _require_commissioner_or_staff(request)
    placements = (
        selectors.placements_visible_to(request.user)
        .select_related("home__provider_organisation", "local_authority")
        .order_by("-start_date", "-pk")
    )
    context = page_of(request, placements)
    shown = [placement.pk for placement in context["page"].object_list]
    can_end = set(selectors.placements_actionable_by(request.user).filter(pk__in=shown).values_list("pk", flat=True))
    return render(request, "commissioning/placement_list.html", {**context, "can_end": can_end})


@GET_POST
def placement_end(request: HttpRequest, pk: int) -> HttpResponse:
    placement = get_object_or_404(selectors.placements_actionable_by(request.user).select_related("home"), pk=pk)
    if placement.end_date is not None:
        messages.info(request, "This placement already has an end date.")
        return redirect("commissioning:placement_list")
    form = PlacementEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.placement_end(
                placement=placement,
                end_date=form.cleaned_data["end_date"],
                ended_as_planned=form.cleaned_data["ended_as_planned"],
                ended_by=_user(request),
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, "End date recorded.")
            return redirect("commissioning:placement_list")
    return render(request, "commissioning/placement_end.html", {"placement": placement, "form": form})


# --- Provider staff ------------------------------------------------------------------------


@require_GET
def invitation_list(request: HttpRequest) -> HttpResponse:
    _require_provider_or_staff(request)
    return render(request, "commissioning/invitation_list.html", page_of(request, selectors.inbox_of(request.user)))


@require_GET
def invitation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(
        selectors.invitations_visible_to(request.user).select_related(
            "placement_request__local_authority", "provider_organisation"
        ),
        pk=pk,
    )
    can_act = selectors.invitations_actionable_by(request.user).filter(pk=invitation.pk).exists()
    context = {
        "invitation": invitation,
        "referral": invitation.placement_request,
        "offers": invitation.offers.select_related("home"),
        "decline": getattr(invitation, "decline", None),
        "can_act": can_act and invitation.status in {Invitation.Status.OPEN, Invitation.Status.OFFERED},
        **_risk_labels(invitation.placement_request),
    }
    return render(request, "commissioning/invitation_detail.html", context)


def _answerable(request: HttpRequest, pk: int, statuses: set[str]) -> Invitation | HttpResponse:
    invitation = get_object_or_404(
        selectors.invitations_actionable_by(request.user).select_related("placement_request"), pk=pk
    )
    if invitation.status not in statuses or invitation.placement_request.status != PlacementRequest.Status.SENT:
        messages.info(request, "This referral can no longer be answered.")
        return redirect("commissioning:invitation_detail", pk=invitation.pk)
    return invitation


@GET_POST
def offer_create(request: HttpRequest, pk: int) -> HttpResponse:
    if repeated := form_replayed(request):
        return repeated
    invitation = _answerable(request, pk, {Invitation.Status.OPEN, Invitation.Status.OFFERED})
    if isinstance(invitation, HttpResponse):
        return invitation
    federation = selectors.federation_answering_for(request.user, invitation.provider_organisation)
    if federation is not None:  # a coordinator offers for a member from the joint inbox
        return redirect("federations:offer", slug=federation.organisation.slug, pk=invitation.pk)
    form = OfferForm(request.POST or None, homes=invitation.homes.order_by("urn"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def make() -> str:
            services.offer_make(
                invitation=invitation, home=data["home"], start_date=data["start_date"], fees=form.fees(),
                conditions=data["conditions"], made_by=_user(request),
            )  # fmt: skip
            messages.success(request, "Offer sent to the local authority.")
            return reverse("commissioning:invitation_detail", args=[invitation.pk])

        try:
            return form_submit_once(request, make)
        except ValidationError as error:
            form_errors_add(form, error)
    return render(request, "commissioning/offer_form.html", {"invitation": invitation, "form": form})


@GET_POST
def invitation_decline(request: HttpRequest, pk: int) -> HttpResponse:
    if repeated := form_replayed(request):
        return repeated
    invitation = _answerable(request, pk, {Invitation.Status.OPEN})
    if isinstance(invitation, HttpResponse):
        return invitation
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def decline() -> str:
            services.invitation_decline(
                invitation=invitation,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                declined_by=_user(request),
            )
            messages.success(request, "Declined. The local authority has been told.")
            return reverse("commissioning:invitation_list")

        try:
            return form_submit_once(request, decline)
        except ValidationError as error:
            form_errors_add(form, error)
    return render(request, "commissioning/invitation_decline.html", {"invitation": invitation, "form": form})
