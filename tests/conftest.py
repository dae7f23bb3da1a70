"""Shared fixtures: the cast of the permission matrix, and service requirements."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.models import Organisation, User
from geography.models import LocalAuthority
from geography.services import reference_data_load
from tests.factories import (
    AdminMembershipFactory,
    LocalAuthorityOrganisationFactory,
    MembershipFactory,
    OrganisationFactory,
    ProviderOrganisationFactory,
    StaffUserFactory,
    UserFactory,
    totp_activate,
)
from tests.trust.flush import flush_opt_in_arm, flush_opt_in_disarm

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "").lower() in {"1", "true", "yes"}


def pytest_report_header() -> str:
    moved = os.environ.get("TEST_CLOCK")
    # tests/settings.py moved the clock already; say so, as the first thing a reader sees.
    return f"clock: moved to {moved} (TEST_CLOCK), now {timezone.now().isoformat()}" if moved else "clock: real"


def require_service(name: str, available: bool, why: str) -> None:
    """Fail when CI requires the service, skip (saying why) on a machine without it."""
    if available:
        return
    message = f"{name} is not available: {why}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} (REQUIRE_SERVICES=1)")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate limits and TOTP replay protection live in the cache; tests must not share them.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _trust_log_flushable(request):
    # The trust log refuses TRUNCATE; tests/trust/flush.py lets the flush that follows a
    # transactional test (and only that flush) empty it. Arming happens at teardown, so the
    # flush must be torn down after us: pytest-django's marker fixture already is.
    if "transactional_db" in request.fixturenames:
        request.getfixturevalue("transactional_db")
    flush_opt_in_disarm()
    yield
    flush_opt_in_arm()


@dataclass
class Cast:
    """The seven principals of the permission matrix and their organisations."""

    commissioner_a: User
    commissioner_b: User
    provider_p: User
    provider_q: User
    organiser: User
    admin: User
    local_authority_a: Organisation
    local_authority_b: Organisation
    provider_organisation_p: Organisation
    provider_organisation_q: Organisation
    organiser_organisation: Organisation

    def user(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)


@pytest.fixture
def reference_data(db) -> None:
    """The migration's regions and authorities; reloaded when a transactional test flushed them."""
    if not LocalAuthority.objects.exists():
        reference_data_load()


@pytest.fixture
def cast(reference_data) -> Cast:
    local_authority_a = LocalAuthorityOrganisationFactory()
    local_authority_b = LocalAuthorityOrganisationFactory()
    provider_p = ProviderOrganisationFactory(name="Provider P")
    provider_q = ProviderOrganisationFactory(name="Provider Q")
    organiser_organisation = OrganisationFactory(name="Conference")
    people = Cast(
        commissioner_a=AdminMembershipFactory(organisation=local_authority_a).user,
        commissioner_b=MembershipFactory(organisation=local_authority_b).user,
        provider_p=AdminMembershipFactory(organisation=provider_p).user,
        provider_q=MembershipFactory(organisation=provider_q).user,
        organiser=MembershipFactory(organisation=organiser_organisation).user,
        admin=StaffUserFactory(),
        local_authority_a=local_authority_a,
        local_authority_b=local_authority_b,
        provider_organisation_p=provider_p,
        provider_organisation_q=provider_q,
        organiser_organisation=organiser_organisation,
    )
    for user in (people.commissioner_a, people.commissioner_b, people.provider_p, people.provider_q, people.admin):
        totp_activate(user)
    return people


@pytest.fixture
def user(db) -> User:
    return UserFactory()
