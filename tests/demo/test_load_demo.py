"""`make run` loads the demo; loading it twice changes nothing and keeps data."""

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import Membership, Organisation, User
from demo.services import demo_load

pytestmark = pytest.mark.django_db


def _state():
    return (
        sorted(User.objects.values_list("email", "is_staff")),
        sorted(Organisation.objects.values_list("name", "kind", "slug")),
        sorted(Membership.objects.values_list("user__email", "organisation__name", "role")),
    )


def test_demo_logins_sign_in_with_the_demo_password():
    logins = demo_load(password="demo-password-123")
    assert [login.email for login in logins] == [
        "commissioner@example.org",
        "provider@example.org",
        "organiser@example.org",
        "admin@example.org",
    ]
    client = Client()
    assert client.login(email="commissioner@example.org", password="demo-password-123")
    commissioner = User.objects.get(email="commissioner@example.org")
    local_authority = commissioner.memberships.get().organisation.local_authority
    assert local_authority is not None
    assert local_authority.name == "Leeds"


def test_loading_twice_changes_nothing_and_keeps_other_data(capsys, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-123")
    # A smaller synthetic year than `make run`'s, to keep the test quick; the full registry.
    call_command("load_demo", referrals=24, homes=60)
    User.objects.create_user(email="someone.new@example.org", password="x" * 12)
    before = _state()
    call_command("load_demo", referrals=24, homes=60)
    assert _state() == before
    printed = capsys.readouterr().out
    assert "commissioner@example.org" in printed
    # The real register has small providers near Leeds: the demo federation's coordinator signs in.
    assert "  Coordinator    coordinator@example.org" in printed


def test_load_demo_without_a_password_says_which_variable(monkeypatch):
    from django.core.management.base import CommandError

    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="DEMO_PASSWORD must be set"):
        call_command("load_demo")
    assert User.objects.count() == 0
