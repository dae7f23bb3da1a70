"""HTML pages about the signed-in person and their organisations. Thin: parse, authorise, call."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts import selectors, services
from accounts.forms import InvitationAcceptForm, InvitationForm
from accounts.models import MembershipRole, User
from config.pagination import page_of


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "home/public.html")
    roles = selectors.home_roles_of(request.user)
    return render(request, "home/signed_in.html", {"roles": roles, "memberships": roles.memberships})


@login_not_required
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "home/accessibility.html")


def account(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/account.html", {"memberships": selectors.memberships_of(request.user)})


@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    """In-app notifications; a POST marks one (given its id) or all of them read."""
    visible = selectors.notifications_for(request.user)
    if request.method == "POST":
        notification_id = request.POST.get("notification", "")
        chosen = visible.filter(pk=int(notification_id)) if notification_id.isdigit() else visible
        services.notifications_mark_read(notifications=chosen)
        return redirect("accounts:notifications")
    listed = visible.select_related("organisation").order_by("-created_at", "-pk")
    return render(request, "accounts/notifications.html", page_of(request, listed))


def organisation(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(selectors.organisations_visible_to(request.user), slug=slug)
    can_manage = selectors.organisations_managed_by(request.user).filter(pk=organisation.pk).exists()
    # Expired invitations stay listed until revoked, so they come a page at a time too, with
    # their own ?invitations_page= beside the members' ?page=.
    pending = selectors.pending_invitations_of(organisation).order_by("-created_at", "-pk")
    invitations = page_of(request, pending if can_manage else pending.none(), param="invitations_page")
    context = {
        "organisation": organisation,
        **page_of(request, selectors.members_of(organisation)),
        "invitations": invitations["page"],
        "invitations_query": invitations["query_string"],
        "can_manage": can_manage,
    }
    return render(request, "accounts/organisation.html", context)


@require_http_methods(["GET", "POST"])
def invitation_create(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(selectors.organisations_visible_to(request.user), slug=slug)
    if not selectors.organisations_managed_by(request.user).filter(pk=organisation.pk).exists():
        raise PermissionDenied("Only an organisation admin can invite people.")
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(
                organisation=organisation,
                email=form.cleaned_data["email"],
                role=MembershipRole(form.cleaned_data["role"]),
                invited_by=cast(User, request.user),
            )
        except ValidationError as error:
            form.add_error("email", error.messages[0])
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("accounts:organisation", slug=organisation.slug)
    return render(request, "accounts/invitation_create.html", {"organisation": organisation, "form": form})


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_for_token(token)
    except services.InvitationError as error:
        return render(request, "accounts/invitation_unusable.html", {"reason": str(error)}, status=error.status)
    if request.user.is_authenticated:
        return _accept_as_signed_in(request, token)
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token, full_name=form.cleaned_data["full_name"], password=form.cleaned_data["password1"]
            )
        except ValidationError as error:
            form.add_error("password1", error)
        except services.InvitationError as error:
            return render(request, "accounts/invitation_unusable.html", {"reason": str(error)}, status=error.status)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome. You are now a member of {invitation.organisation}.")
            return redirect("home")
    return render(request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form})


def _accept_as_signed_in(request: HttpRequest, token: str) -> HttpResponse:
    if request.method != "POST":
        invitation = services.invitation_for_token(token)
        return render(request, "accounts/invitation_accept_signed_in.html", {"invitation": invitation})
    try:
        membership = services.invitation_accept_as(token=token, user=cast(User, request.user))
    except services.InvitationError as error:
        return render(request, "accounts/invitation_unusable.html", {"reason": str(error)}, status=error.status)
    messages.success(request, f"You are now a member of {membership.organisation}.")
    return redirect("accounts:organisation", slug=membership.organisation.slug)
