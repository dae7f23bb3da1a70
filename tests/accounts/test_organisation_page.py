"""The organisation page: its members for everyone in it, invitations for its admins."""

import pytest

from accounts.models import MembershipRole
from accounts.services import invitation_create
from tests.conftest import Cast
from tests.factories import MembershipFactory, totp_activate

pytestmark = pytest.mark.django_db


def test_members_see_their_colleagues_but_not_pending_invitations(client, cast: Cast):
    colleague = MembershipFactory(organisation=cast.local_authority_a).user
    totp_activate(colleague)
    invitation_create(
        organisation=cast.local_authority_a,
        email="pending@example.org",
        role=MembershipRole.MEMBER,
        invited_by=cast.commissioner_a,
    )
    client.force_login(colleague)
    page = client.get(f"/organisations/{cast.local_authority_a.slug}/").content.decode()
    assert cast.commissioner_a.email in page
    assert colleague.email in page
    assert "pending@example.org" not in page
    assert "Invite someone" not in page


def test_admins_see_pending_invitations_and_the_invite_button(client, cast: Cast):
    invitation_create(
        organisation=cast.local_authority_a,
        email="pending@example.org",
        role=MembershipRole.ADMIN,
        invited_by=cast.commissioner_a,
    )
    client.force_login(cast.commissioner_a)
    page = client.get(f"/organisations/{cast.local_authority_a.slug}/").content.decode()
    assert "pending@example.org" in page
    assert "Invite someone" in page
    local_authority = cast.local_authority_a.local_authority
    assert local_authority is not None
    assert local_authority.ons_code in page


def test_navigation_shows_what_the_signed_in_role_can_reach(client, cast: Cast):
    client.force_login(cast.provider_p)
    page = client.get("/").content.decode()
    assert cast.provider_organisation_p.name in page
    assert cast.local_authority_a.name not in page
    assert "Administration" not in page
    client.force_login(cast.admin)
    assert "Administration" in client.get("/").content.decode()


def test_local_authorities_page_lists_153_by_region(client, cast: Cast):
    client.force_login(cast.organiser)
    page = client.get("/local-authorities/").content.decode()
    assert "153 upper-tier local authorities" in page
    assert "Westmorland and Furness" in page
    assert "Cumbria" not in page  # historic authorities are not listed as current


def test_relaxed_mfa_is_announced_by_a_visible_banner(client, cast: Cast, settings):
    settings.REQUIRE_MFA = False
    commissioner = MembershipFactory(organisation=cast.local_authority_b).user  # no authenticator
    client.force_login(commissioner)
    page = client.get("/").content.decode()
    assert "Two-factor authentication is not enforced" in page
    client.force_login(cast.organiser)  # organisers are not asked for MFA, so no banner
    assert "Two-factor authentication is not enforced" not in client.get("/").content.decode()
    settings.REQUIRE_MFA = True
    client.force_login(commissioner)
    assert client.get("/").status_code == 302  # sent to set up an authenticator instead


def test_a_field_with_an_error_names_the_error_for_screen_readers(client, cast: Cast):
    client.force_login(cast.commissioner_a)
    page = client.post(
        f"/organisations/{cast.local_authority_a.slug}/invitations/new/", {"email": "not an address", "role": "member"}
    ).content.decode()
    assert 'id="id_email-error"' in page
    assert 'aria-describedby="id_email-hint id_email-error"' in page
