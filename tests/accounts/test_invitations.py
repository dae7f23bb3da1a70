"""Inviting people to an organisation, and accepting an invitation (HTTP and services)."""

from __future__ import annotations

import datetime
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.forms import InvitationAcceptForm
from accounts.models import Invitation, Membership, MembershipRole, User
from accounts.tasks import invitation_email_send_task
from tests.accounts.helpers import Snapshot, invitation_with_token, token_hash
from tests.conftest import Cast
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Tangerine-Lighthouse-1987"
LINK = re.compile(r"/invitations/(?P<token>[A-Za-z0-9_-]+)/")


def _invite_url(slug: str) -> str:
    return reverse("accounts:invitation_create", args=[slug])


def _accept_url(token: str) -> str:
    return reverse("accounts:invitation_accept", args=[token])


def _token_in(body: object) -> str:
    match = LINK.search(str(body))
    assert match is not None
    return match["token"]


def _messages(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _accept_data(full_name: str = "Alex Example", password1: str = NEW_PASSWORD, password2: str | None = None) -> dict:
    return {"full_name": full_name, "password1": password1, "password2": password1 if password2 is None else password2}


# --- Inviting -------------------------------------------------------------------------------


def test_an_organisation_admin_invites_by_posting_the_form(
    client: Client, cast: Cast, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    organisation = cast.local_authority_a
    client.force_login(cast.commissioner_a)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(_invite_url(organisation.slug), {"email": " New.Person@Example.org ", "role": "member"})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:organisation", args=[organisation.slug])
    assert _messages(response) == ["Invitation sent to New.Person@Example.org."]
    assert len(callbacks) == 1
    invitation = Invitation.objects.get()
    assert invitation.organisation == organisation
    assert invitation.email == "new.person@example.org"
    assert invitation.role == MembershipRole.MEMBER
    assert invitation.invited_by == cast.commissioner_a
    assert invitation.accepted_at is None
    assert invitation.accepted_by is None
    assert invitation.revoked_at is None
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=settings.INVITATION_EXPIRY_DAYS)

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["new.person@example.org"]
    assert email.subject == f"[Relational Commissioning] You are invited to join {organisation.name}"
    match = LINK.search(str(email.body))
    assert match is not None
    token = match["token"]
    assert f"{settings.SITE_URL.rstrip('/')}/invitations/{token}/" in email.body
    assert f"{cast.commissioner_a.get_full_name()} has invited you to join {organisation.name}" in email.body
    # Only the hash of the token is stored; nothing stored contains the raw token.
    assert invitation.token_hash == token_hash(token)
    stored = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert all(token not in str(value) for value in stored.values())
    # The link in the e-mail works.
    assert Client().get(_accept_url(token)).status_code == 200


def test_an_organisation_admin_can_invite_another_admin(
    client: Client, cast: Cast, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    client.force_login(cast.provider_p)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _invite_url(cast.provider_organisation_p.slug), {"email": "deputy@example.org", "role": "admin"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.organisation, invitation.email, invitation.role) == (
        cast.provider_organisation_p,
        "deputy@example.org",
        MembershipRole.ADMIN,
    )
    assert [message.to for message in mail.outbox] == [["deputy@example.org"]]
    assert "as organisation admin" in mail.outbox[0].body


def test_the_admin_sees_the_pending_invitation_on_the_organisation_page(
    client: Client, cast: Cast, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    client.force_login(cast.commissioner_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_invite_url(cast.local_authority_a.slug), {"email": "new@example.org", "role": "member"})
    response = client.get(reverse("accounts:organisation", args=[cast.local_authority_a.slug]))
    assert response.status_code == 200
    assert [invitation.email for invitation in response.context["invitations"]] == ["new@example.org"]


# Who may open the invite form of local authority A: its admin and staff; members of other
# organisations do not learn it exists; anonymous people are sent to sign in.
INVITE_FORM_PERMISSIONS = [
    ("anonymous", 302),
    ("commissioner_a", 200),
    ("commissioner_b", 404),
    ("provider_p", 404),
    ("provider_q", 404),
    ("organiser", 404),
    ("admin", 200),
]


@pytest.mark.parametrize(("principal", "expected_status"), INVITE_FORM_PERMISSIONS)
def test_who_may_open_the_invite_form(client: Client, cast: Cast, principal: str, expected_status: int) -> None:
    user = cast.user(principal)
    if user is not None:
        client.force_login(user)
    response = client.get(_invite_url(cast.local_authority_a.slug))
    assert response.status_code == expected_status
    if principal == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(("principal", "expected_status"), INVITE_FORM_PERMISSIONS)
def test_who_may_send_an_invitation(
    client: Client,
    cast: Cast,
    principal: str,
    expected_status: int,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    user = cast.user(principal)
    if user is not None:
        client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_invite_url(cast.local_authority_a.slug), {"email": "x@example.org", "role": "admin"})
    allowed = expected_status == 200
    assert response.status_code == (302 if allowed else expected_status)
    assert Invitation.objects.count() == (1 if allowed else 0)
    assert len(mail.outbox) == (1 if allowed else 0)


def test_a_member_who_is_not_an_admin_gets_403_and_nothing_is_created(
    client: Client, cast: Cast, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    client.force_login(cast.commissioner_b)  # a plain member of local authority B
    url = _invite_url(cast.local_authority_b.slug)
    before = Snapshot.take()

    assert client.get(url).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"email": "friend@example.org", "role": "admin"})

    assert response.status_code == 403
    assert Snapshot.take() == before
    assert mail.outbox == []


def test_a_member_of_another_organisation_gets_404_and_nothing_is_created(
    client: Client, cast: Cast, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    client.force_login(cast.provider_p)  # admin of provider P, a stranger to local authority A
    before = Snapshot.take()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_invite_url(cast.local_authority_a.slug), {"email": "x@example.org", "role": "member"})
    assert response.status_code == 404
    assert Snapshot.take() == before
    assert mail.outbox == []


def test_inviting_an_existing_member_is_refused_with_a_form_error(
    client: Client, cast: Cast, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    member = MembershipFactory.create(organisation=cast.local_authority_a, user__email="already@example.org").user
    client.force_login(cast.commissioner_a)
    before = Snapshot.take()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _invite_url(cast.local_authority_a.slug), {"email": "Already@Example.org", "role": "member"}
        )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "email": [f"{member.email} is already a member of {cast.local_authority_a.name}."]
    }
    assert Snapshot.take() == before
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "not-an-address", "role": "member"}, "email"),
        ({"email": "", "role": "member"}, "email"),
        ({"email": "x@example.org", "role": "owner"}, "role"),
    ],
)
def test_an_invalid_invite_form_creates_nothing(
    client: Client, cast: Cast, data: dict, field: str, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    client.force_login(cast.commissioner_a)
    before = Snapshot.take()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_invite_url(cast.local_authority_a.slug), data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert Snapshot.take() == before
    assert mail.outbox == []


def test_a_second_invitation_to_the_same_address_revokes_the_first(
    client: Client, cast: Cast, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    # A pending invitation for the same address elsewhere is not touched.
    elsewhere, _ = invitation_with_token(cast.provider_organisation_p, email="twice@example.org")
    client.force_login(cast.commissioner_a)
    url = _invite_url(cast.local_authority_a.slug)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"email": "twice@example.org", "role": "member"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"email": "TWICE@example.org", "role": "admin"})

    first, second = Invitation.objects.filter(organisation=cast.local_authority_a).order_by("pk")
    assert first.revoked_at is not None
    assert first.revoked_at == second.created_at
    assert second.revoked_at is None
    assert second.role == MembershipRole.ADMIN
    assert Invitation.objects.get(pk=elsewhere.pk).revoked_at is None

    first_token, second_token = (_token_in(message.body) for message in mail.outbox)
    anonymous = Client()
    response = anonymous.get(_accept_url(first_token))
    assert response.status_code == 410
    assert "withdrawn or replaced" in response.context["reason"]
    assert anonymous.get(_accept_url(second_token)).status_code == 200


# --- Accepting as a new person ----------------------------------------------------------------


def test_get_shows_the_accept_form(client: Client) -> None:
    organisation = OrganisationFactory.create(name="Practice Network")
    invitation, token = invitation_with_token(organisation)
    response = client.get(_accept_url(token))
    assert response.status_code == 200
    assert "accounts/invitation_accept.html" in [template.name for template in response.templates]
    assert response.context["invitation"] == invitation
    assert isinstance(response.context["form"], InvitationAcceptForm)
    assert not response.context["form"].is_bound


@pytest.mark.parametrize("role", [MembershipRole.MEMBER, MembershipRole.ADMIN])
def test_posting_the_form_creates_the_account_and_membership_and_signs_in(client: Client, role: str) -> None:
    organisation = OrganisationFactory.create(name="Practice Network")
    invitation, token = invitation_with_token(organisation, email="invitee@example.org", role=role)
    users_before = User.objects.count()

    response = client.post(_accept_url(token), _accept_data(full_name="  Alex Example "))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert _messages(response) == ["Welcome. You are now a member of Practice Network."]
    assert User.objects.count() == users_before + 1
    user = User.objects.get(email="invitee@example.org")
    assert user.full_name == "Alex Example"
    assert user.check_password(NEW_PASSWORD)
    assert user.is_active
    assert not user.is_staff
    assert list(Membership.objects.filter(user=user).values_list("organisation", "role")) == [(organisation.pk, role)]
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert invitation.accepted_by == user
    assert invitation.revoked_at is None
    assert client.session["_auth_user_id"] == str(user.pk)


def test_reusing_the_link_after_accepting_gives_410_and_creates_nothing(client: Client) -> None:
    invitation, token = invitation_with_token(OrganisationFactory.create())
    assert client.post(_accept_url(token), _accept_data()).status_code == 302
    before = Snapshot.take(invitation)

    for attempt in (Client().get, Client().post, client.get, client.post):
        response = attempt(_accept_url(token), _accept_data(full_name="Someone Else"))
        assert response.status_code == 410
        assert "already been used" in response.context["reason"]
    assert Snapshot.take(invitation) == before


def test_an_expired_link_gives_410_and_creates_nothing(client: Client) -> None:
    now = timezone.now()
    invitation, token = invitation_with_token(
        OrganisationFactory.create(),
        created_at=now - datetime.timedelta(days=8),
        expires_at=now - datetime.timedelta(days=1),
    )
    before = Snapshot.take(invitation)

    for response in (client.get(_accept_url(token)), client.post(_accept_url(token), _accept_data())):
        assert response.status_code == 410
        assert "expired" in response.context["reason"]
    assert Snapshot.take(invitation) == before
    assert "_auth_user_id" not in client.session


def test_a_revoked_link_gives_410_and_creates_nothing(client: Client) -> None:
    invitation, token = invitation_with_token(OrganisationFactory.create())
    services.invitation_revoke(invitation=invitation)
    before = Snapshot.take(invitation)

    for response in (client.get(_accept_url(token)), client.post(_accept_url(token), _accept_data())):
        assert response.status_code == 410
        assert "withdrawn" in response.context["reason"]
    assert Snapshot.take(invitation) == before


def test_an_unknown_token_gives_410(client: Client) -> None:
    invitation_with_token(OrganisationFactory.create())
    before = Snapshot.take()
    for response in (client.get(_accept_url("no-such-token")), client.post(_accept_url("x"), _accept_data())):
        assert response.status_code == 410
        assert "not valid" in response.context["reason"]
    assert Snapshot.take() == before


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (_accept_data(password2="Tangerine-Lighthouse-1988"), {"password2": ["The passwords do not match."]}),
        (
            _accept_data(password1="short-pw1"),
            {"password1": ["This password is too short. It must contain at least 12 characters."]},
        ),
        (_accept_data(password1="qwerty123456"), {"password1": ["This password is too common."]}),
        (_accept_data(password1="348120957712"), {"password1": ["This password is entirely numeric."]}),
        (_accept_data(full_name=""), {"full_name": ["Enter your full name"]}),
    ],
)
def test_a_bad_form_shows_errors_and_creates_nothing(client: Client, data: dict, errors: dict) -> None:
    invitation, token = invitation_with_token(OrganisationFactory.create())
    before = Snapshot.take(invitation)

    response = client.post(_accept_url(token), data)

    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert Snapshot.take(invitation) == before
    assert "_auth_user_id" not in client.session
    assert services.invitation_for_token(token) == invitation  # still usable


def test_a_password_like_the_address_is_refused(client: Client) -> None:
    invitation, token = invitation_with_token(OrganisationFactory.create(), email="harriet.windsor@example.org")
    before = Snapshot.take(invitation)
    response = client.post(_accept_url(token), _accept_data(password1="harriet.windsor"))
    assert response.status_code == 200
    assert response.context["form"].errors == {"password1": ["The password is too similar to the email."]}
    assert Snapshot.take(invitation) == before


def test_an_address_that_already_has_an_account_cannot_create_a_second_one(client: Client) -> None:
    UserFactory.create(email="invitee@example.org")
    invitation, token = invitation_with_token(OrganisationFactory.create(), email="invitee@example.org")
    before = Snapshot.take(invitation)

    response = client.post(_accept_url(token), _accept_data())

    assert response.status_code == 403  # the link still works for its own address
    assert "An account already exists for this e-mail address. Sign in" in response.context["reason"]
    assert Snapshot.take(invitation) == before
    assert "_auth_user_id" not in client.session


# --- Accepting as a signed-in person ----------------------------------------------------------


def test_a_signed_in_person_with_the_invited_address_joins_with_post(client: Client, cast: Cast) -> None:
    person = cast.provider_q  # a member of provider Q, invited to provider P too
    invitation, token = invitation_with_token(
        cast.provider_organisation_p, email=person.email.upper(), role=MembershipRole.ADMIN
    )
    client.force_login(person)
    users_before = User.objects.count()

    page = client.get(_accept_url(token))
    assert page.status_code == 200
    assert "accounts/invitation_accept_signed_in.html" in [template.name for template in page.templates]
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is None  # GET changes nothing

    response = client.post(_accept_url(token))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:organisation", args=[cast.provider_organisation_p.slug])
    assert _messages(response) == ["You are now a member of Provider P."]
    assert User.objects.count() == users_before
    assert set(Membership.objects.filter(user=person).values_list("organisation__slug", "role")) == {
        (cast.provider_organisation_q.slug, MembershipRole.MEMBER),
        (cast.provider_organisation_p.slug, MembershipRole.ADMIN),
    }
    invitation.refresh_from_db()
    assert invitation.accepted_by == person
    assert invitation.accepted_at is not None
    assert client.post(_accept_url(token)).status_code == 410


def test_a_signed_in_person_with_another_address_is_refused(client: Client, cast: Cast) -> None:
    invitation, token = invitation_with_token(cast.provider_organisation_p, email="someone.else@example.org")
    client.force_login(cast.provider_q)
    before = Snapshot.take(invitation)

    response = client.post(_accept_url(token))

    assert response.status_code == 403  # the link still works for its own address
    assert response.context["reason"] == (
        "This invitation was sent to someone.else@example.org. Sign in with that address to accept it."
    )
    assert Snapshot.take(invitation) == before
    assert not Membership.objects.filter(user=cast.provider_q, organisation=cast.provider_organisation_p).exists()


# --- Concurrency ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_people_accepting_the_same_link_at_once_create_one_account(monkeypatch: pytest.MonkeyPatch) -> None:
    organisation = OrganisationFactory.create()
    invitation, token = invitation_with_token(organisation, email="race@example.org")
    # Widen the window between reading the invitation and writing the account, so the second
    # request arrives while the first still holds the invitation.
    validate = services.validate_password

    def slow_validate(*args: Any, **kwargs: Any) -> None:
        time.sleep(0.3)
        validate(*args, **kwargs)

    monkeypatch.setattr(services, "validate_password", slow_validate)
    barrier = threading.Barrier(2)
    responses: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def accept(full_name: str) -> None:
        try:
            barrier.wait(timeout=10)
            response = Client().post(_accept_url(token), _accept_data(full_name=full_name))
            responses.append((response.status_code, response.content.decode()))
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(name,)) for name in ("First Person", "Second Person")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(status for status, _ in responses) == [302, 410]
    # The second request waited for the first to finish with the invitation, then found it
    # used (rather than tripping over the account the first had created).
    refused = next(content for status, content in responses if status == 410)
    assert "This invitation has already been used." in refused
    assert User.objects.filter(email="race@example.org").count() == 1
    user = User.objects.get(email="race@example.org")
    assert Membership.objects.filter(organisation=organisation).count() == 1
    invitation.refresh_from_db()
    assert invitation.accepted_by == user


# --- Services, called directly ----------------------------------------------------------------


def test_invitation_create_refuses_an_existing_member(cast: Cast) -> None:
    before = Snapshot.take()
    with pytest.raises(ValidationError) as error:
        services.invitation_create(
            organisation=cast.local_authority_a,
            email=cast.commissioner_a.email.upper(),
            role=MembershipRole.MEMBER,
            invited_by=cast.commissioner_a,
        )
    assert error.value.messages == [f"{cast.commissioner_a.email} is already a member of {cast.local_authority_a}."]
    assert Snapshot.take() == before


def test_invitation_create_returns_the_raw_token_and_stores_its_hash(
    cast: Cast, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = services.invitation_create(
            organisation=cast.organiser_organisation, email="A@B.org", role=MembershipRole.ADMIN, invited_by=None
        )
    assert invitation.token_hash == token_hash(token)
    assert invitation.email == "a@b.org"
    assert services.invitation_for_token(token) == invitation
    assert len(mail.outbox) == 1
    assert "You have been invited to join Conference" in mail.outbox[0].body
    assert f"/invitations/{token}/" in mail.outbox[0].body


def test_invitation_accept_as_refuses_another_address(cast: Cast) -> None:
    invitation, token = invitation_with_token(cast.organiser_organisation, email="x@example.org")
    before = Snapshot.take(invitation)
    with pytest.raises(services.InvitationError):
        services.invitation_accept_as(token=token, user=cast.commissioner_b)
    assert Snapshot.take(invitation) == before


def test_invitation_revoke_leaves_an_accepted_invitation_alone() -> None:
    invitation, token = invitation_with_token(OrganisationFactory.create())
    services.invitation_accept(token=token, full_name="Alex", password=NEW_PASSWORD)
    invitation.refresh_from_db()
    before = Snapshot.take(invitation)
    services.invitation_revoke(invitation=invitation)
    assert Snapshot.take(invitation) == before


def test_the_email_task_sends_nothing_for_an_invitation_no_longer_pending() -> None:
    invitation, _ = invitation_with_token(OrganisationFactory.create())
    services.invitation_revoke(invitation=invitation)
    assert invitation_email_send_task(invitation.pk, "http://example.org/x/") is False
    assert invitation_email_send_task(0, "http://example.org/x/") is False
    assert mail.outbox == []


def test_an_old_member_invitation_never_demotes_an_admin(client: Client, cast: Cast) -> None:
    invitation, token = invitation_with_token(
        cast.local_authority_a, email=cast.commissioner_a.email, role=MembershipRole.MEMBER
    )
    client.force_login(cast.commissioner_a)

    response = client.post(_accept_url(token))

    assert response.status_code == 302
    membership = Membership.objects.get(user=cast.commissioner_a, organisation=cast.local_authority_a)
    assert membership.role == MembershipRole.ADMIN
    invitation.refresh_from_db()
    assert invitation.accepted_by == cast.commissioner_a


def test_the_database_holds_one_open_invitation_per_address(cast: Cast) -> None:
    from django.db import IntegrityError, transaction

    invitation_with_token(cast.local_authority_a, email="twice@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        invitation_with_token(cast.local_authority_a, email="twice@example.org")
    assert Invitation.objects.filter(email="twice@example.org").count() == 1
