"""A person's notifications and an organisation's members come a page at a time; no
notification is out of reach (the list used to stop at the newest 100)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import MembershipRole, Notification
from accounts.services import invitation_create
from config import pagination
from tests.factories import AdminMembershipFactory, MembershipFactory, ProviderOrganisationFactory, totp_activate

pytestmark = pytest.mark.django_db

INVITED = re.compile(r">(invited\d)@example.org</td>")


def test_every_notification_can_be_reached_page_by_page(client: Client) -> None:
    member = MembershipFactory.create(organisation=ProviderOrganisationFactory.create())
    start = timezone.now() - datetime.timedelta(days=200)
    Notification.objects.bulk_create(
        Notification(
            organisation=member.organisation,
            message=f"Message {number}",
            created_at=start + datetime.timedelta(days=number),
        )
        for number in range(101)
    )
    totp_activate(member.user)  # provider staff must have a second factor to go further
    client.force_login(member.user)

    pages = [client.get("/notifications/", {"page": number}) for number in range(1, 6)]

    assert [len(page.context["page"].object_list) for page in pages] == [25, 25, 25, 25, 1]
    assert " Message 100</td>" in pages[0].content.decode()  # newest first
    assert " Message 0</td>" in pages[4].content.decode()  # the oldest, past the old cut-off of 100
    assert "Page 5 of 5" in pages[4].content.decode()


def test_an_organisations_members_come_a_page_at_a_time(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    organisation = ProviderOrganisationFactory.create()
    first = MembershipFactory.create(organisation=organisation, user__email="a.member@example.org")
    MembershipFactory.create(organisation=organisation, user__email="b.member@example.org")
    monkeypatch.setattr(pagination, "PER_PAGE", 1)
    totp_activate(first.user)
    client.force_login(first.user)

    one = client.get(f"/organisations/{organisation.slug}/").content.decode()
    two = client.get(f"/organisations/{organisation.slug}/?page=2").content.decode()

    assert "a.member@example.org" in one
    assert "b.member@example.org" not in one
    assert "b.member@example.org" in two
    assert "Page 2 of 2" in two


def test_an_organisations_invitations_come_a_page_at_a_time_beside_its_members(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Expired invitations stay listed until revoked, so the list grows; it turns its own pages
    (?invitations_page=), newest first, and a bad number shows the nearest page."""
    admin = AdminMembershipFactory.create(organisation=ProviderOrganisationFactory.create())
    organisation = admin.organisation
    for number in range(3):
        invitation_create(
            organisation=organisation, email=f"invited{number}@example.org", role=MembershipRole.MEMBER, invited_by=None
        )
    MembershipFactory.create_batch(2, organisation=organisation)  # three members: two pages of members too
    monkeypatch.setattr(pagination, "PER_PAGE", 2)
    totp_activate(admin.user)
    client.force_login(admin.user)
    url = f"/organisations/{organisation.slug}/"

    pages = [client.get(url, query).content.decode() for query in ({}, {"invitations_page": "2"})]
    nearest = [client.get(url, {"invitations_page": bad}).content.decode() for bad in ("99", "x")]

    shown = [INVITED.findall(page) for page in pages + nearest]
    assert shown == [["invited2", "invited1"], ["invited0"], ["invited0"], ["invited2", "invited1"]]
    assert 'href="?invitations_page=2#invitations" rel="next"' in pages[0]
    assert 'href="?invitations_page=2&amp;page=2" rel="next"' in pages[1]  # the members' pages keep it
