"""Signing in with e-mail and password, the failed-sign-in limit, closed sign-up, password reset."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.adapter import get_adapter
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
NEW_PASSWORD = "Marmalade-Harbour-2031"
RESET_LINK = re.compile(r"https?://[^/\s]+(?P<path>/accounts/password/reset/key/[^/\s]+/)")


def _sign_in(client: Client, email: str, password: str) -> Any:
    return client.post(LOGIN_URL, {"login": email, "password": password})


def _error(key: str) -> str:
    return str(get_adapter().error_messages[key])


def _signed_in_as(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def test_the_sign_in_page_is_public(client: Client) -> None:
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    assert set(response.context["form"].fields) >= {"login", "password"}


def test_e_mail_and_password_sign_in(client: Client) -> None:
    user = UserFactory.create(email="someone@example.org")  # in no organisation: no second factor needed

    response = _sign_in(client, "Someone@Example.org", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert _signed_in_as(client) == str(user.pk)
    assert client.get(reverse("account")).status_code == 200


def test_a_wrong_password_gives_an_error_and_no_session(client: Client) -> None:
    UserFactory.create(email="someone@example.org")

    response = _sign_in(client, "someone@example.org", "not the password")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [_error("email_password_mismatch")]
    assert _signed_in_as(client) is None
    assert client.get(reverse("account"))["Location"].startswith(LOGIN_URL)


def test_an_unknown_address_gives_the_same_error(client: Client) -> None:
    response = _sign_in(client, "nobody@example.org", PASSWORD)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [_error("email_password_mismatch")]
    assert _signed_in_as(client) is None


def test_an_inactive_account_cannot_sign_in(client: Client) -> None:
    UserFactory.create(email="gone@example.org", is_active=False)
    response = _sign_in(client, "gone@example.org", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_inactive")
    assert _signed_in_as(client) is None


def test_after_five_failures_for_one_address_even_the_right_password_is_refused(client: Client) -> None:
    user = UserFactory.create(email="target@example.org")
    for _ in range(5):
        response = _sign_in(client, "target@example.org", "guess")
        assert response.context["form"].non_field_errors() == [_error("email_password_mismatch")]

    # allauth 65.22 answers with the form again (200) and a "too many attempts" error; it does
    # not check the password at all, so the right one is refused too.
    response = _sign_in(client, "TARGET@example.org", PASSWORD)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [_error("too_many_login_attempts")]
    assert _signed_in_as(client) is None
    # The limit is per address: from another browser (same IP) the address is still locked,
    # while somebody else can still sign in.
    other = UserFactory.create(email="bystander@example.org")
    assert _sign_in(Client(), "target@example.org", PASSWORD).status_code == 200
    fresh = Client()
    assert _sign_in(fresh, "bystander@example.org", PASSWORD).status_code == 302
    assert _signed_in_as(fresh) == str(other.pk)
    assert not user.memberships.exists()


def test_successful_sign_ins_do_not_reset_the_failure_count(client: Client) -> None:
    UserFactory.create(email="target@example.org")
    for _ in range(4):
        _sign_in(Client(), "target@example.org", "guess")
    assert _sign_in(Client(), "target@example.org", PASSWORD).status_code == 302
    _sign_in(Client(), "target@example.org", "guess")  # the fifth failure

    response = _sign_in(client, "target@example.org", PASSWORD)

    assert response.context["form"].non_field_errors() == [_error("too_many_login_attempts")]
    assert _signed_in_as(client) is None


def test_more_than_thirty_sign_in_posts_a_minute_from_one_address_get_429(client: Client) -> None:
    user = UserFactory.create(email="busy@example.org")
    for number in range(30):
        assert _sign_in(Client(), f"guess{number}@example.org", "guess").status_code == 200

    response = _sign_in(client, user.email, PASSWORD)

    assert response.status_code == 429
    assert _signed_in_as(client) is None


# --- Sign-up is closed --------------------------------------------------------------------------


def test_the_sign_up_page_shows_no_form(client: Client) -> None:
    response = client.get("/accounts/signup/")
    assert response.status_code == 200
    assert "account/signup_closed.html" in [template.name for template in response.templates]
    assert "form" not in response.context


def test_posting_to_sign_up_creates_nobody(client: Client) -> None:
    before = User.objects.count()
    response = client.post(
        "/accounts/signup/", {"email": "walk-in@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 200
    assert "account/signup_closed.html" in [template.name for template in response.templates]
    assert User.objects.count() == before
    assert not User.objects.filter(email="walk-in@example.org").exists()
    assert _signed_in_as(client) is None


# --- Password reset -----------------------------------------------------------------------------


def _request_reset(client: Client, email: str) -> str:
    """Ask for a reset e-mail; returns the path of the link in it."""
    response = client.post("/accounts/password/reset/", {"email": email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [email.lower()]
    match = RESET_LINK.search(str(mail.outbox[0].body))
    assert match is not None
    return match["path"]


def test_password_reset_by_e_mail_link(client: Client) -> None:
    user = UserFactory.create(email="forgetful@example.org")

    link = _request_reset(client, "Forgetful@example.org")
    # allauth moves the key from the URL into the session, then shows the form.
    response = client.get(link)
    assert response.status_code == 302
    form_url = response["Location"]
    assert client.get(form_url).status_code == 200
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert _signed_in_as(client) is None  # ACCOUNT_LOGIN_ON_PASSWORD_RESET = False

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    old = Client()
    assert _sign_in(old, "forgetful@example.org", PASSWORD).status_code == 200
    assert _signed_in_as(old) is None
    new = Client()
    assert _sign_in(new, "forgetful@example.org", NEW_PASSWORD).status_code == 302
    assert _signed_in_as(new) == str(user.pk)
    # The link works once: afterwards allauth shows its "bad token" page and changes nothing.
    reused = Client().get(link)
    assert reused.status_code == 200
    assert reused.context["token_fail"] is True
    Client().post(link, {"password1": "Another-Passphrase-77", "password2": "Another-Passphrase-77"})
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_reset_refuses_a_weak_password(client: Client) -> None:
    user = UserFactory.create(email="forgetful@example.org")
    link = _request_reset(client, "forgetful@example.org")
    form_url = client.get(link)["Location"]

    response = client.post(form_url, {"password1": "qwerty123456", "password2": "qwerty123456"})

    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_reset_for_an_unknown_address_sends_nothing(client: Client) -> None:
    UserFactory.create(email="known@example.org")
    before = User.objects.count()
    known = client.post("/accounts/password/reset/", {"email": "known@example.org"})
    mail.outbox.clear()

    response = client.post("/accounts/password/reset/", {"email": "stranger@example.org"})

    # The same answer as for a known address, so nobody can find out who has an account; and
    # no e-mail inviting the stranger to a sign-up page that is closed.
    assert response.status_code == known.status_code == 302
    assert response["Location"] == known["Location"]
    assert mail.outbox == []
    assert User.objects.count() == before


def test_a_tampered_reset_link_changes_nothing(client: Client) -> None:
    user = UserFactory.create(email="forgetful@example.org")
    link = _request_reset(client, "forgetful@example.org")
    tampered = link[:-3] + ("x" if link[-3] != "x" else "y") + link[-2:]

    response = client.get(tampered)
    assert response.status_code == 200
    assert response.context["token_fail"] is True
    response = client.post(tampered, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 200
    assert response.context["token_fail"] is True
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not user.check_password(NEW_PASSWORD)


# --- Known gap ----------------------------------------------------------------------------------


def test_a_signed_in_person_cannot_take_an_address_they_have_not_proved(client: Client) -> None:
    user = UserFactory.create(email="me@example.org")
    client.force_login(user)
    client.post("/accounts/email/", {"email": "colleague@example.org", "action_add": ""})
    client.post("/accounts/email/", {"email": "colleague@example.org", "action_primary": ""})
    user.refresh_from_db()
    assert user.email == "me@example.org"
