"""Federation pages. Public: the list and each federated profile. Signed in: forming one, and
each federation's own page (members, invitations, coordinators), reached only through the
scoped selectors; anyone else gets 404. Thin: parse, authorise, call a service, render."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.idempotency import form_replayed, form_submit_once
from accounts.models import User
from accounts.selectors import is_provider_staff
from commissioning.forms import OfferForm
from commissioning.framework_selectors import frameworks_editable_by, frameworks_visible_to
from commissioning.models import Framework, Invitation, Offer, PlacementRequest
from config.forms import form_errors_add
from config.pagination import page_of
from federations import selectors, services
from federations.forms import (
    AdmitFederationForm,
    CoordinatorForm,
    DissolveForm,
    FederationForm,
    InviteForm,
    LotTermsForm,
)
from federations.models import CoordinatorAppointment, FederatedOffer, FederationMembership
from federations.selectors import FrameworkFigures
from ownership import pages
from providers.models import Federation

GET_POST = require_http_methods(["GET", "POST"])


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _posted(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


def _submit(request: HttpRequest, form: object, write: Callable[[], str]) -> HttpResponse | None:
    """Run the write once for the form's key; a refusal lands on the form, kept as typed."""
    try:
        return form_submit_once(request, write)
    except ValidationError as error:
        form_errors_add(form, error)  # type: ignore[arg-type]
        return None


# --- Public -----------------------------------------------------------------------------------


@login_not_required
@require_GET
def federation_list(request: HttpRequest) -> HttpResponse:
    listed = page_of(request, selectors.federations_public())
    return render(request, "federations/list.html", listed)


@login_not_required
@require_GET
def federation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    federation = selectors.federation_public_by_slug(slug)
    if federation is None:
        raise Http404
    profile = selectors.federated_profile_of(federation, on=timezone.localdate())
    return render(request, "federations/detail.html", {"federation": federation, "profile": profile})


# --- Your federations ----------------------------------------------------------------------


@require_GET
def yours(request: HttpRequest) -> HttpResponse:
    if not is_provider_staff(request.user):
        raise Http404
    context = {
        "federated_offers": selectors.federated_offers_for(request.user)[:25],
        "federations": selectors.federations_visible_to(request.user),
        "invitations": selectors.invitations_answerable_by(request.user),
        "can_form": selectors.provider_organisations_administered_by(request.user).exists(),
    }
    return render(request, "federations/yours.html", context)


@GET_POST
def federation_form(request: HttpRequest) -> HttpResponse:
    founders = selectors.provider_organisations_administered_by(request.user)
    if not founders.exists():
        raise Http404
    form = FederationForm(_posted(request), founders=founders)
    if request.method == "POST" and form.is_valid():

        def write() -> str:
            federation = services.federation_form(user=_user(request), **form.cleaned_data)
            messages.success(request, f"{federation.name} is formed. Invite other providers to join it.")
            return reverse("federations:manage", args=[federation.organisation.slug])

        if answered := _submit(request, form, write):
            return answered
    return render(request, "federations/form.html", {"form": form})


def _visible(request: HttpRequest, slug: str) -> Federation:
    return get_object_or_404(selectors.federations_visible_to(request.user), organisation__slug=slug)


def _coordinated(request: HttpRequest, slug: str) -> Federation:
    federation = _visible(request, slug)
    if not selectors.is_coordinator(request.user, federation) or selectors.profile_of(federation).is_dissolved:
        raise Http404
    return federation


@require_GET
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    federation = _visible(request, slug)
    context = {
        "federation": federation,
        "is_coordinator": selectors.is_coordinator(request.user, federation),
        "memberships": selectors.memberships_of(federation),
        "coordinators": selectors.coordinators_of(federation),
        "answerable": set(
            selectors.invitations_answerable_by(request.user).filter(federation=federation).values_list("pk", flat=True)
        ),
        "leavable": set(
            selectors.memberships_leavable_by(request.user).filter(federation=federation).values_list("pk", flat=True)
        ),
    }
    return render(request, "federations/manage.html", context)


@GET_POST
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    federation = _coordinated(request, slug)
    form = InviteForm(_posted(request), invitable=selectors.providers_invitable_to(federation))
    if request.method == "POST" and form.is_valid():

        def write() -> str:
            invited = form.cleaned_data["provider_organisation"]
            services.federation_member_invite(federation=federation, provider_organisation=invited, user=_user(request))
            messages.success(request, f"{invited.name} is invited. Their administrators will be told.")
            return reverse("federations:manage", args=[slug])

        if answered := _submit(request, form, write):
            return answered
    return render(request, "federations/invite.html", {"federation": federation, "form": form})


@GET_POST
def invitation_answer(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """An administrator of the invited provider accepts or declines: the provider's consent."""
    if repeated := form_replayed(request):
        return repeated
    answerable = selectors.invitations_answerable_by(request.user).filter(federation__organisation__slug=slug)
    membership: FederationMembership = get_object_or_404(answerable, pk=pk)
    error = ""
    if request.method == "POST" and request.POST.get("answer") in {"accept", "decline"}:
        accept = request.POST["answer"] == "accept"

        shares_inbox = request.POST.get("shares_inbox") == "yes"

        def write() -> str:
            services.federation_invitation_answer(
                membership=membership, user=_user(request), accept=accept, shares_inbox=shares_inbox
            )
            verb = "joined" if accept else "declined to join"
            messages.success(
                request, f"{membership.provider_organisation.name} has {verb} {membership.federation.name}."
            )
            return reverse("federations:manage" if accept else "federations:yours", args=[slug] if accept else [])

        try:
            return form_submit_once(request, write)
        except ValidationError as refused:
            error = refused.messages[0]
    elif request.method == "POST":
        error = "Choose whether to accept or decline the invitation."
    profile = selectors.federated_profile_of(membership.federation, on=timezone.localdate())
    context = {"membership": membership, "federation": membership.federation, "profile": profile, "error": error}
    return render(request, "federations/answer.html", context)


def _confirm(
    request: HttpRequest, template: str, context: Mapping[str, object], write: Callable[[], str]
) -> HttpResponse:
    """A confirmation page whose POST runs the write once; a refusal is shown on the page."""
    if request.method == "POST":
        try:
            return form_submit_once(request, write)
        except ValidationError as refused:
            context = {**context, "error": refused.messages[0]}
    return render(request, template, context)


@GET_POST
def invitation_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    if repeated := form_replayed(request):
        return repeated
    federation = _coordinated(request, slug)
    membership = get_object_or_404(selectors.memberships_of(federation).filter(status="invited"), pk=pk)

    def write() -> str:
        services.federation_invitation_withdraw(membership=membership, user=_user(request))
        messages.success(request, f"The invitation to {membership.provider_organisation.name} is withdrawn.")
        return reverse("federations:manage", args=[slug])

    context = {"federation": federation, "membership": membership}
    return _confirm(request, "federations/withdraw.html", context, write)


@GET_POST
def leave(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    if repeated := form_replayed(request):
        return repeated
    leavable = selectors.memberships_leavable_by(request.user).filter(federation__organisation__slug=slug)
    membership: FederationMembership = get_object_or_404(leavable.select_related("federation"), pk=pk)

    def write() -> str:
        services.federation_member_leave(membership=membership, user=_user(request))
        messages.success(request, f"{membership.provider_organisation.name} has left {membership.federation.name}.")
        return reverse("federations:detail", args=[slug])

    context = {"federation": membership.federation, "membership": membership}
    return _confirm(request, "federations/leave.html", context, write)


@GET_POST
def coordinator_add(request: HttpRequest, slug: str) -> HttpResponse:
    federation = _coordinated(request, slug)
    form = CoordinatorForm(_posted(request), candidates=selectors.coordinator_candidates_of(federation))
    if request.method == "POST" and form.is_valid():

        def write() -> str:
            person = form.cleaned_data["person"]
            services.federation_coordinator_appoint(federation=federation, person=person, user=_user(request))
            messages.success(request, f"{person.get_full_name()} now coordinates {federation.name}.")
            return reverse("federations:manage", args=[slug])

        if answered := _submit(request, form, write):
            return answered
    return render(request, "federations/coordinator_add.html", {"federation": federation, "form": form})


@GET_POST
def coordinator_end(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    if repeated := form_replayed(request):
        return repeated
    federation = _coordinated(request, slug)
    appointment: CoordinatorAppointment = get_object_or_404(selectors.coordinators_of(federation), pk=pk)

    def write() -> str:
        services.federation_coordinator_stand_down(appointment=appointment, user=_user(request))
        messages.success(request, f"{appointment.user.get_full_name()} no longer coordinates {federation.name}.")
        return reverse("federations:manage", args=[slug])

    context = {"federation": federation, "appointment": appointment}
    return _confirm(request, "federations/coordinator_end.html", context, write)


@GET_POST
def dissolve(request: HttpRequest, slug: str) -> HttpResponse:
    if repeated := form_replayed(request):
        return repeated
    federation = _coordinated(request, slug)
    form = DissolveForm(_posted(request))
    if request.method == "POST" and form.is_valid():

        def write() -> str:
            services.federation_dissolve(federation=federation, user=_user(request), reason=form.cleaned_data["reason"])
            messages.success(request, f"{federation.name} is dissolved. Its history stays public.")
            return reverse("federations:detail", args=[slug])

        if answered := _submit(request, form, write):
            return answered
    return render(request, "federations/dissolve.html", {"federation": federation, "form": form})


# --- The joint inbox ---------------------------------------------------------------------------


@require_GET
def inbox(request: HttpRequest, slug: str) -> HttpResponse:
    """The coordinators' joint inbox: referrals to members sharing it, the offers made for them,
    and the reasons the federation's referrals were declined."""
    federation = _coordinated(request, slug)
    listed = page_of(request, selectors.joint_inbox_of(federation, request.user))
    context = {
        **listed,
        "federation": federation,
        "declines": selectors.decline_reasons_of(federation, request.user),
        "offers_made": selectors.federation_offers_of(federation)[:25],
        "withdrawal_hours": f"{settings.FEDERATION_OFFER_WITHDRAWAL_HOURS} hours",
    }
    return render(request, "federations/inbox.html", context)


@GET_POST
def offer(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A coordinator offers one of the member's invited homes, for the member."""
    if repeated := form_replayed(request):
        return repeated
    federation = _coordinated(request, slug)
    answerable = selectors.joint_inbox_of(federation, request.user).filter(
        status__in=[Invitation.Status.OPEN, Invitation.Status.OFFERED],
        placement_request__status=PlacementRequest.Status.SENT,
    )
    invitation: Invitation = get_object_or_404(answerable, pk=pk)
    form = OfferForm(_posted(request), homes=invitation.homes.order_by("urn"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def write() -> str:
            services.federation_offer_make(
                federation=federation, invitation=invitation, home=data["home"], start_date=data["start_date"],
                fees=form.fees(), conditions=data["conditions"], user=_user(request),
            )  # fmt: skip
            messages.success(
                request,
                f"Offer sent for {invitation.provider_organisation.name}. They have been told and can withdraw it.",
            )
            return reverse("federations:inbox", args=[slug])

        if answered := _submit(request, form, write):
            return answered
    context = {"federation": federation, "invitation": invitation, "form": form}
    return render(request, "federations/offer.html", context)


@GET_POST
def offer_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """The member sees an offer its federation made for it, and may withdraw it in time."""
    if repeated := form_replayed(request):
        return repeated
    federated: FederatedOffer = get_object_or_404(selectors.federated_offers_for(request.user), pk=pk)

    def write() -> str:
        services.federated_offer_withdraw(federated_offer=federated, user=_user(request))
        messages.success(request, "The offer is withdrawn. The local authority and the federation have been told.")
        return reverse("federations:yours")

    context = {"federated": federated, "can_withdraw": federated.withdrawn_at is None
               and federated.withdrawable_until > timezone.now()
               and federated.offer.status == Offer.Status.OPEN}  # fmt: skip
    return _confirm(request, "federations/offer_withdraw.html", context, write)


@GET_POST
def inbox_share(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A member's administrator chooses what it shares with the federation: whether its referrals
    reach the joint inbox, and whether the coordinators may read its own trust logs."""
    if repeated := form_replayed(request):
        return repeated
    leavable = selectors.memberships_leavable_by(request.user).filter(federation__organisation__slug=slug)
    membership: FederationMembership = get_object_or_404(leavable.select_related("federation"), pk=pk)
    answers = {name: request.POST.get(name) for name in ("shares_inbox", "shares_relationships")}

    def write() -> str:
        user = _user(request)
        services.federation_inbox_share_set(membership=membership, user=user, shares=answers["shares_inbox"] == "yes")
        services.federation_relationships_share_set(
            membership=membership, user=user, shares=answers["shares_relationships"] == "yes"
        )
        messages.success(request, f"What {membership.provider_organisation.name} shares with the federation is saved.")
        return reverse("federations:manage", args=[slug])

    context: dict[str, object] = {"federation": membership.federation, "membership": membership}
    if request.method == "POST" and not all(answer in {"yes", "no"} for answer in answers.values()):
        return render(request, "federations/inbox_share.html", {**context, "error": "Answer both questions."})
    return _confirm(request, "federations/inbox_share.html", context, write)


# --- Frameworks that enable small providers ----------------------------------------------------


def _lot_forms(request: HttpRequest, figures: FrameworkFigures) -> dict[int, LotTermsForm]:
    posted_lot = request.POST.get("lot") if request.method == "POST" else None
    forms_by_lot = {}
    for lot, terms in figures.lots:
        initial = {"admits_federations": "yes" if terms and terms.admits_federations else "no",
                   "reserved_share_percent": terms.reserved_share_percent if terms else 0}  # fmt: skip
        data = request.POST if posted_lot == str(lot.pk) else None
        forms_by_lot[lot.pk] = LotTermsForm(data, initial=initial, prefix=f"lot-{lot.pk}")
    return forms_by_lot


@GET_POST
def framework_small_providers(request: HttpRequest, pk: int) -> HttpResponse:
    """How many small providers and federations a framework admits and places with; its
    commissioners set each lot's terms and admit federations here."""
    framework: Framework = get_object_or_404(frameworks_visible_to(request.user), pk=pk)
    can_edit = frameworks_editable_by(request.user).filter(pk=pk).exists()
    figures = selectors.framework_figures(framework)
    lot_forms = _lot_forms(request, figures)
    admit_form = AdmitFederationForm(
        request.POST if request.POST.get("admit") else None, admissible=selectors.federations_admissible_to(framework)
    )
    here = reverse("federations:framework_small_providers", args=[pk])
    if request.method == "POST" and can_edit:
        answered = _framework_post(request, framework, lot_forms, admit_form, here)
        if answered is not None:
            return answered
    context = {"framework": framework, "figures": figures, "can_edit": can_edit, "admit_form": admit_form,
               "small_max": selectors.SMALL_PROVIDER_MAX_HOMES,
               "lots": [(lot, terms, lot_forms[lot.pk]) for lot, terms in figures.lots]}  # fmt: skip
    return render(request, "federations/framework.html", context)


def _framework_post(
    request: HttpRequest, framework: Framework, lot_forms: dict[int, LotTermsForm], admit_form: AdmitFederationForm,
    here: str,
) -> HttpResponse | None:  # fmt: skip
    chosen = next((form for form in lot_forms.values() if form.is_bound), None)
    if chosen is not None and chosen.is_valid():
        lot = framework.lots.get(pk=int(request.POST["lot"]))

        def write_terms() -> str:
            services.lot_terms_set(lot=lot, user=_user(request), **chosen.cleaned_data)
            messages.success(request, f"Terms for {lot.name} saved.")
            return here

        return _submit(request, chosen, write_terms)
    if admit_form.is_bound and admit_form.is_valid():

        def write_admission() -> str:
            federation = admit_form.cleaned_data["federation"]
            services.framework_federation_admit(framework=framework, federation=federation, user=_user(request))
            messages.success(request, f"{federation.name} is admitted to {framework.name}.")
            return here

        return _submit(request, admit_form, write_admission)
    return None


# --- The market, with federations as groupings -------------------------------------------------


@login_not_required
@require_GET
def federations_in_the_market(request: HttpRequest) -> HttpResponse:
    """The federated share of places and concentration "if each federation counted as one
    owner": a scenario for the planner, beside the market as owned."""
    as_of = pages.today()
    figures = selectors.federated_market(as_of=as_of, resolutions=pages.resolutions_on(as_of))
    return render(request, "federations/market.html", {"figures": figures})
