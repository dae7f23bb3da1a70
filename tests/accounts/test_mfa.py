"""The second factor: signing in with a TOTP or recovery code, its limits, and RequireMfaMiddleware."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts.models import OrganisationKind, User
from tests.accounts.helpers import invitation_with_token, totp_code_now, totp_wrong_code
from tests.conftest import Cast
from tests.factories import (
    PASSWORD,
    LocalAuthorityOrganisationFactory,
    MembershipFactory,
    OrganisationFactory,
    ProviderOrganisationFactory,
    StaffUserFactory,
    UserFactory,
    totp_activate,
)

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
AUTHENTICATE_URL = "/accounts/2fa/authenticate/"


def _signed_in_as(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def _provider_member_with_totp(email: str = "carer@example.org") -> tuple[User, str]:
    user = MembershipFactory.create(organisation=ProviderOrganisationFactory.create(), user__email=email).user
    return user, totp_activate(user)


def _password_stage(client: Client, user: User) -> None:
    response = client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == AUTHENTICATE_URL
    assert _signed_in_as(client) is None


def _send_code(client: Client, code: str) -> Any:
    return client.post(AUTHENTICATE_URL, {"code": code})


def _incorrect_code() -> list[str]:
    return [str(get_mfa_adapter().error_messages["incorrect_code"])]


def _too_many_attempts() -> list[str]:
    return [str(get_account_adapter().error_messages["too_many_login_attempts"])]


# --- Signing in with a second factor ------------------------------------------------------------


def test_a_password_sign_in_leads_to_the_code_stage(client: Client) -> None:
    user, _ = _provider_member_with_totp()
    _password_stage(client, user)
    page = client.get(AUTHENTICATE_URL)
    assert page.status_code == 200
    assert "code" in page.context["form"].fields
    assert _signed_in_as(client) is None
    # Protected pages still treat the person as signed out.
    assert client.get(reverse("account"))["Location"].startswith(LOGIN_URL)


def test_the_code_stage_cannot_be_reached_without_a_password(client: Client) -> None:
    response = client.get(AUTHENTICATE_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def test_a_wrong_code_is_refused(client: Client) -> None:
    user, secret = _provider_member_with_totp()
    _password_stage(client, user)

    response = _send_code(client, totp_wrong_code(secret))

    assert response.status_code == 200
    assert response.context["form"].errors == {"code": _incorrect_code()}
    assert _signed_in_as(client) is None


def test_the_right_code_signs_in(client: Client) -> None:
    user, secret = _provider_member_with_totp()
    _password_stage(client, user)

    response = _send_code(client, totp_code_now(secret))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert _signed_in_as(client) == str(user.pk)
    assert client.get(reverse("home")).status_code == 200  # the middleware lets them through


def test_a_code_cannot_be_used_twice(client: Client) -> None:
    user, secret = _provider_member_with_totp()
    code = totp_code_now(secret)
    _password_stage(client, user)
    assert _send_code(client, code).status_code == 302

    other = Client()
    _password_stage(other, user)
    response = _send_code(other, code)

    assert response.status_code == 200
    assert response.context["form"].errors == {"code": _incorrect_code()}
    assert _signed_in_as(other) is None


def test_a_recovery_code_works_once(client: Client) -> None:
    user, _ = _provider_member_with_totp()
    codes = RecoveryCodes.activate(user).get_unused_codes()
    assert len(codes) == 10

    _password_stage(client, user)
    response = _send_code(client, codes[0])
    assert response.status_code == 302
    assert _signed_in_as(client) == str(user.pk)
    recovery = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    assert RecoveryCodes(recovery).get_unused_codes() == codes[1:]

    again = Client()
    _password_stage(again, user)
    response = _send_code(again, codes[0])
    assert response.status_code == 200
    assert response.context["form"].errors == {"code": _incorrect_code()}
    assert _signed_in_as(again) is None

    assert _send_code(again, codes[1]).status_code == 302
    assert _signed_in_as(again) == str(user.pk)


def test_repeated_wrong_codes_are_limited(client: Client) -> None:
    """allauth counts code attempts per user under ACCOUNT_RATE_LIMITS["login_failed"] (5 per 5
    minutes per key, 10 a minute per IP): after five wrong codes even the right one is refused."""
    user, secret = _provider_member_with_totp()
    _password_stage(client, user)
    for _ in range(5):
        response = _send_code(client, totp_wrong_code(secret))
        assert response.context["form"].errors == {"code": _incorrect_code()}

    response = _send_code(client, totp_code_now(secret))

    assert response.status_code == 200
    assert response.context["form"].errors == {"code": _too_many_attempts()}
    assert _signed_in_as(client) is None

    # Starting again with the password does not reset the count: it is kept per user.
    fresh = Client()
    _password_stage(fresh, user)
    response = _send_code(fresh, totp_code_now(secret, offset=0))
    assert response.context["form"].errors == {"code": _too_many_attempts()}
    assert _signed_in_as(fresh) is None


def test_a_right_code_clears_the_count_of_wrong_ones(client: Client) -> None:
    user, secret = _provider_member_with_totp()
    _password_stage(client, user)
    for _ in range(4):
        _send_code(client, totp_wrong_code(secret))
    assert _send_code(client, totp_code_now(secret)).status_code == 302
    client.logout()

    _password_stage(client, user)
    for _ in range(4):
        assert _send_code(client, totp_wrong_code(secret)).context["form"].errors == {"code": _incorrect_code()}


# --- RequireMfaMiddleware -----------------------------------------------------------------------


def _activation_redirect(next_path: str) -> str:
    return f"{reverse('mfa_activate_totp')}?{urlencode({'next': next_path})}"


def test_a_commissioner_without_totp_is_sent_to_set_it_up(client: Client) -> None:
    commissioner = MembershipFactory.create(organisation=LocalAuthorityOrganisationFactory.create()).user
    client.force_login(commissioner)

    for path in ("/", "/account/", f"/organisations/{commissioner.memberships.get().organisation.slug}/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == _activation_redirect(path)


def test_the_next_address_keeps_its_whole_query(client: Client) -> None:
    commissioner = MembershipFactory.create(organisation=LocalAuthorityOrganisationFactory.create()).user
    client.force_login(commissioner)

    response = client.get("/account/?tab=people&page=2")

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("mfa_activate_totp")
    assert parse_qs(location.query) == {"next": ["/account/?tab=people&page=2"]}


def test_without_require_mfa_a_commissioner_is_not_redirected(client: Client, settings: object) -> None:
    settings.REQUIRE_MFA = False  # type: ignore[attr-defined]
    commissioner = MembershipFactory.create(organisation=LocalAuthorityOrganisationFactory.create()).user
    client.force_login(commissioner)
    assert client.get("/").status_code == 200
    assert client.get("/account/").status_code == 200


@pytest.mark.parametrize("kind", [OrganisationKind.PROVIDER, OrganisationKind.FEDERATION])
def test_provider_and_federation_members_without_totp_are_redirected(client: Client, kind: str) -> None:
    organisation = (
        ProviderOrganisationFactory.create()
        if kind == OrganisationKind.PROVIDER
        else OrganisationFactory.create(kind=kind)
    )
    client.force_login(MembershipFactory.create(organisation=organisation).user)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == _activation_redirect("/")


def test_an_organiser_only_member_is_never_redirected(client: Client, cast: Cast) -> None:
    assert not Authenticator.objects.filter(user=cast.organiser).exists()
    client.force_login(cast.organiser)
    assert client.get("/").status_code == 200
    assert client.get("/account/").status_code == 200
    assert client.get(f"/organisations/{cast.organiser_organisation.slug}/").status_code == 200


def test_a_person_in_no_organisation_is_not_redirected(client: Client) -> None:
    client.force_login(UserFactory.create())
    assert client.get("/").status_code == 200


def test_an_organiser_who_also_belongs_to_a_local_authority_is_redirected(client: Client, cast: Cast) -> None:
    MembershipFactory.create(user=cast.organiser, organisation=LocalAuthorityOrganisationFactory.create())
    client.force_login(cast.organiser)
    assert client.get("/")["Location"] == _activation_redirect("/")


def test_staff_without_totp_are_redirected(client: Client) -> None:
    client.force_login(StaffUserFactory.create())
    for path in ("/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == _activation_redirect(path)


def test_people_with_totp_are_not_redirected(client: Client, cast: Cast) -> None:
    for person in (cast.commissioner_a, cast.provider_p, cast.admin):
        client.force_login(person)
        assert client.get("/").status_code == 200


def test_account_pages_health_and_accessibility_are_reachable_without_totp(client: Client) -> None:
    commissioner = MembershipFactory.create(organisation=LocalAuthorityOrganisationFactory.create()).user
    client.force_login(commissioner)

    assert client.get("/healthz").status_code == 200
    assert client.get("/accessibility/").status_code == 200
    # allauth's own pages answer themselves (setting up TOTP first asks to re-enter the
    # password, as force_login recorded no sign-in), rather than looping back to activation.
    activate = client.get(reverse("mfa_activate_totp"))
    assert activate.status_code == 302
    assert (
        activate["Location"]
        == f"{reverse('account_reauthenticate')}?{urlencode({'next': activate.request['PATH_INFO']})}"
    )
    assert client.get(reverse("account_reauthenticate")).status_code == 200
    assert client.get(reverse("account_change_password")).status_code == 200
    assert client.get(reverse("account_logout")).status_code == 200
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert _signed_in_as(client) is None


def test_a_commissioner_sets_up_totp_and_is_then_let_through(client: Client) -> None:
    commissioner = MembershipFactory.create(organisation=LocalAuthorityOrganisationFactory.create()).user
    response = client.post(LOGIN_URL, {"login": commissioner.email, "password": PASSWORD})
    assert response["Location"] == reverse("home")
    assert client.get("/")["Location"] == _activation_redirect("/")

    # allauth asks for the password again before adding a factor, even straight after signing in.
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code_now(secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=commissioner, type=Authenticator.Type.TOTP).count() == 1
    assert client.get("/").status_code == 200


def test_a_new_commissioner_who_accepts_an_invitation_must_set_up_totp(client: Client) -> None:
    organisation = LocalAuthorityOrganisationFactory.create()
    _, token = invitation_with_token(organisation, email="new.commissioner@example.org")
    response = client.post(
        reverse("accounts:invitation_accept", args=[token]),
        {"full_name": "New Commissioner", "password1": "Orchard-Compass-4412", "password2": "Orchard-Compass-4412"},
    )
    assert response["Location"] == reverse("home")
    assert client.get("/")["Location"] == _activation_redirect("/")
