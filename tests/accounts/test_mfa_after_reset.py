"""An anonymous password-reset request must never stop the address's owner setting up MFA.

allauth refuses to add an authenticator while the user has an unverified e-mail address
(so that an attacker cannot lock an account they signed up for). Here addresses are proved by
the invitation, and a reset request used to leave an unverified address row behind, which
locked the real person out of two-factor authentication for good.
"""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services import user_email_address_prove
from tests.accounts.helpers import invitation_with_token, totp_code_now
from tests.factories import PASSWORD, LocalAuthorityOrganisationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _stranger_asks_for_a_reset(email: str) -> None:
    response = Client().post(reverse("account_reset_password"), {"email": email})
    assert response.status_code == 302


def _set_up_totp(client: Client, user: User) -> None:
    assert client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD}).status_code == 302
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert client.post(response["Location"], {"password": PASSWORD})["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code_now(client.session[SECRET_SESSION_KEY])})
    assert response.status_code == 302


def test_after_a_strangers_reset_request_the_commissioner_still_sets_up_totp(client: Client) -> None:
    commissioner = MembershipFactory.create(
        organisation=LocalAuthorityOrganisationFactory.create(), user__email="duty.manager@example.org"
    ).user

    _stranger_asks_for_a_reset("Duty.Manager@Example.org")

    assert len(mail.outbox) == 1  # the reset e-mail went to the owner, as before
    assert list(EmailAddress.objects.filter(user=commissioner).values_list("email", "verified")) == [
        ("duty.manager@example.org", True)
    ]
    _set_up_totp(client, commissioner)
    assert Authenticator.objects.filter(user=commissioner, type=Authenticator.Type.TOTP).count() == 1


def test_an_accepted_invitation_records_the_address_as_verified(client: Client) -> None:
    _, token = invitation_with_token(LocalAuthorityOrganisationFactory.create(), email="new.officer@example.org")
    client.post(
        reverse("accounts:invitation_accept", args=[token]),
        {"full_name": "New Officer", "password1": "Orchard-Compass-4412", "password2": "Orchard-Compass-4412"},
    )
    user = User.objects.get(email="new.officer@example.org")

    _stranger_asks_for_a_reset(user.email)

    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified", "primary")) == [
        ("new.officer@example.org", True, True)
    ]


def test_an_address_left_unverified_by_an_earlier_reset_is_verified() -> None:
    user = UserFactory.create(email="earlier@example.org")
    EmailAddress.objects.create(user=user, email="earlier@example.org", verified=False, primary=False)

    user_email_address_prove(user=user)

    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified")) == [
        ("earlier@example.org", True)
    ]


def test_an_unknown_address_creates_no_row() -> None:
    _stranger_asks_for_a_reset("nobody@example.org")
    assert not EmailAddress.objects.exists()
    assert mail.outbox == []


def test_the_migration_verifies_only_the_users_own_address() -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("accounts.migrations.0005_prove_sign_in_addresses")
    user = UserFactory.create(email="earlier@example.org")
    EmailAddress.objects.create(user=user, email="Earlier@example.org", verified=False, primary=False)
    EmailAddress.objects.create(user=user, email="other@example.org", verified=False, primary=False)

    migration.prove_sign_in_addresses(apps, None)

    assert sorted(EmailAddress.objects.filter(user=user).values_list("email", "verified")) == [
        ("Earlier@example.org", True),
        ("other@example.org", False),
    ]
