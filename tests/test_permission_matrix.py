"""Every URL pattern of the service, checked against the permission matrix.

A new URL cannot be added without its row: `test_every_url_pattern_has_a_row` fails until
the matrix says who may reach it. Each row gives the outcome for each of the seven
principals when they GET the URL (following redirects):
  ok        the page or data is shown (200)
  login     sent to the sign-in page
  forbidden 403
  hidden    404 (we do not even confirm the thing exists)
  gone      410 (e.g. an invitation link that cannot be used)
"""

from __future__ import annotations

import datetime
import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import MembershipRole
from accounts.services import invitation_create
from commissioning.models import Framework
from geography.models import LocalAuthority
from ownership.services import provider_entity_ensure
from providers.models import Vacancy
from tests.commissioning.samples import commissioning_samples
from tests.conftest import Cast
from tests.factories import HomeFactory
from tests.federations.matrix import FEDERATION_MATRIX
from tests.federations.samples import federation_samples
from tests.market.snapshot_factories import NORTH_EAST, market_over_time
from tests.trust.matrix_api import API_MATRIX, api_samples
from tests.trust.matrix_pages import PAGE_MATRIX, page_samples
from tests.trust.samples import trust_sample_objects

PRINCIPALS = ("anonymous", "commissioner_a", "commissioner_b", "provider_p", "provider_q", "organiser", "admin")

OK, LOGIN, FORBIDDEN, HIDDEN, GONE = "ok", "login", "forbidden", "hidden", "gone"


def row(anonymous: str, signed_in: str | None = None, **overrides: str) -> dict[str, str]:
    """Outcome for anonymous, the same outcome for every signed-in principal, then exceptions."""
    outcomes = {name: signed_in or anonymous for name in PRINCIPALS}
    outcomes["anonymous"] = anonymous
    outcomes.update(overrides)
    return outcomes


PUBLIC = row(OK)
SIGNED_IN = row(LOGIN, OK)
STAFF_ONLY = row(LOGIN, FORBIDDEN, admin=OK)
# Organisation A's own pages: its members and administrators only; others get 404.
ORGANISATION_A_MEMBERS = row(LOGIN, HIDDEN, commissioner_a=OK, admin=OK)
# API: anonymous callers get DRF's 403 JSON rather than a sign-in page.
API_SIGNED_IN = row(FORBIDDEN, OK)
API_ORGANISATION_A = row(FORBIDDEN, HIDDEN, commissioner_a=OK, admin=OK)

PROVIDER_P_STAFF = row(LOGIN, HIDDEN, provider_p=OK)
COMMISSIONERS_AND_PROVIDERS = ("commissioner_a", "commissioner_b", "provider_p", "provider_q")

# Referrals (commissioning). Lists: every commissioner sees their own authority's (B's list is
# simply empty of A's referrals); staff administrators read everything for support but act
# on nothing, so pages that change a referral are hidden from them.
COMMISSIONERS = row(LOGIN, FORBIDDEN, commissioner_a=OK, commissioner_b=OK, admin=OK)
COMMISSIONERS_ONLY = row(LOGIN, FORBIDDEN, commissioner_a=OK, commissioner_b=OK)
REFERRAL_OF_A = row(LOGIN, HIDDEN, commissioner_a=OK, admin=OK)
REFERRAL_OF_A_TO_ACT = row(LOGIN, HIDDEN, commissioner_a=OK)
PROVIDER_STAFF = row(LOGIN, FORBIDDEN, provider_p=OK, provider_q=OK, admin=OK)
INVITATION_TO_P = row(LOGIN, HIDDEN, provider_p=OK, admin=OK)
INVITATION_TO_P_TO_ACT = row(LOGIN, HIDDEN, provider_p=OK)

MATRIX: dict[str, dict[str, str]] = {
    # Public pages
    "home": PUBLIC,
    "accessibility": PUBLIC,
    "healthz": PUBLIC,
    # The trust logs' daily digest (ADR 19): anyone may read it, nobody writes it here.
    "transparency:digests": PUBLIC,
    "transparency:feed": PUBLIC,
    "transparency:barometer": PUBLIC,
    # Signing in, out, and recovering access (allauth)
    "account_login": PUBLIC,
    "account_logout": row(OK),  # anonymous callers are simply sent home
    "account_inactive": PUBLIC,
    "account_signup": PUBLIC,  # shows that sign-up is closed: accounts are by invitation
    "account_reauthenticate": SIGNED_IN,
    "account_request_reauthentication_code": SIGNED_IN,
    "account_confirm_reauthentication_code": SIGNED_IN,
    "account_email": SIGNED_IN,
    "account_email_verification_sent": PUBLIC,
    "account_change_password": SIGNED_IN,
    "account_set_password": SIGNED_IN,
    "account_reset_password": PUBLIC,
    "account_reset_password_done": PUBLIC,
    "account_reset_password_from_key": PUBLIC,  # an invalid key shows "bad token"
    "account_reset_password_from_key_done": PUBLIC,
    "account_confirm_login_code": PUBLIC,
    "account_confirm_email": PUBLIC,
    # Two-factor authentication (allauth.mfa)
    "mfa_index": SIGNED_IN,
    "mfa_authenticate": SIGNED_IN,  # without a sign-in in progress, anonymous callers start one
    "mfa_reauthenticate": SIGNED_IN,
    "mfa_activate_totp": SIGNED_IN,
    # The organiser has no authenticator (MFA is not required of organisers): nothing to show.
    "mfa_deactivate_totp": row(LOGIN, OK, organiser=HIDDEN),
    "mfa_view_recovery_codes": row(LOGIN, OK, organiser=HIDDEN),
    "mfa_generate_recovery_codes": SIGNED_IN,
    "mfa_download_recovery_codes": row(LOGIN, OK, organiser=HIDDEN),
    # The service's own pages
    "account": SIGNED_IN,
    "accounts:organisation": ORGANISATION_A_MEMBERS,
    "accounts:invitation_create": ORGANISATION_A_MEMBERS,
    "accounts:invitation_accept": PUBLIC,  # the token is the permission; it works once
    "geography:local_authorities": SIGNED_IN,
    # Provider staff keep their homes' profiles and vacancies; the sample home is provider P's.
    "providers:homes": row(LOGIN, HIDDEN, provider_p=OK, provider_q=OK),
    "providers:home": PROVIDER_P_STAFF,
    "providers:profile_edit": PROVIDER_P_STAFF,
    "providers:vacancy_add": PROVIDER_P_STAFF,
    "providers:vacancy_end": PROVIDER_P_STAFF,
    # Frameworks: the sample is authority A's, with provider P approved on it (read-only).
    "frameworks:frameworks": row(
        LOGIN, HIDDEN, organiser=HIDDEN, admin=HIDDEN, **dict.fromkeys(COMMISSIONERS_AND_PROVIDERS, OK)
    ),
    "frameworks:create": row(LOGIN, HIDDEN, commissioner_a=OK, commissioner_b=OK),
    "frameworks:framework": row(LOGIN, HIDDEN, commissioner_a=OK, provider_p=OK),
    "frameworks:edit": row(LOGIN, HIDDEN, commissioner_a=OK),
    "frameworks:providers": row(LOGIN, HIDDEN, commissioner_a=OK),
    "frameworks:provider_change": row(LOGIN, "method"),  # POST only
    # The registry is open data
    "registry:homes": PUBLIC,
    "registry:home": PUBLIC,
    "ownership:owner": PUBLIC,
    "registry:provider": PUBLIC,
    # The market dashboards and every chart's CSV are public too
    "market:dashboards": PUBLIC,
    "market:dashboards_csv": PUBLIC,
    "market:dashboards_areas": PUBLIC,
    "market:dashboards_areas_csv": PUBLIC,
    "market:dashboards_areas_map": PUBLIC,
    "market:dashboards_area": PUBLIC,
    "market:dashboards_area_csv": PUBLIC,
    "market:dashboards_costs": PUBLIC,
    "market:dashboards_costs_csv": PUBLIC,
    "market:dashboards_present": PUBLIC,
    "market:dashboards_method": PUBLIC,
    "market:dashboards_scenarios": PUBLIC,
    # Referrals, offers and placements (commissioners) and referrals received (provider staff)
    "commissioning:referral_list": COMMISSIONERS,
    "commissioning:referral_create": COMMISSIONERS_ONLY,
    "commissioning:referral_detail": REFERRAL_OF_A,
    "commissioning:referral_edit": REFERRAL_OF_A_TO_ACT,
    "commissioning:referral_preview": REFERRAL_OF_A_TO_ACT,
    "commissioning:referral_withdraw": REFERRAL_OF_A_TO_ACT,
    "commissioning:offer_accept": REFERRAL_OF_A_TO_ACT,
    "commissioning:placement_list": COMMISSIONERS,
    "commissioning:placement_end": REFERRAL_OF_A_TO_ACT,
    "commissioning:invitation_list": PROVIDER_STAFF,
    "commissioning:invitation_detail": INVITATION_TO_P,
    "commissioning:offer_create": INVITATION_TO_P_TO_ACT,
    "commissioning:invitation_decline": INVITATION_TO_P_TO_ACT,  # answered already: shows the referral
    # The identifier screen while anyone signed in types (htmx): POST only, so a GET is 405.
    "commissioning:identifiers_check": row(LOGIN, "method"),
    "accounts:notifications": SIGNED_IN,
    # The trust log (tests/trust/matrix_pages.py, tests/trust/matrix_api.py)
    **PAGE_MATRIX,
    **API_MATRIX,
    # Federations (tests/federations/matrix.py)
    **FEDERATION_MATRIX,
    # API
    "api:me": API_SIGNED_IN,
    "api:organisations": API_SIGNED_IN,
    "api:organisation": API_ORGANISATION_A,
    "api:local_authorities": API_SIGNED_IN,
    "api:homes": PUBLIC,
    "api:home": PUBLIC,
    "api:owners": PUBLIC,
    "api:owner": PUBLIC,
    "api:market": PUBLIC,
    "api:market_costs": PUBLIC,
    "api:placement_requests": API_SIGNED_IN,
    "api:placement_request": API_ORGANISATION_A,
    "api:invitations": API_SIGNED_IN,
    "api:invitation": row(FORBIDDEN, HIDDEN, provider_p=OK, admin=OK),
    # The API's docs are public, as the open data they describe is (issue 15).
    "api_schema": PUBLIC,
    "api_docs": PUBLIC,
    # Administration: staff only, after signing in through allauth (with MFA)
    "admin:*": STAFF_ONLY,
    # Invitations are made on the organisation page (so the e-mail goes); the admin only lists them.
    "admin:accounts_invitation_add": row(LOGIN, FORBIDDEN),
    "admin:autocomplete": row(LOGIN, FORBIDDEN),  # refuses a request without its parameters
    "admin:logout": row(LOGIN, FORBIDDEN, admin="method"),  # POST only
    # Import runs and observations are written by importers only.
    "admin:providers_homeobservation_add": row(LOGIN, FORBIDDEN),
    "admin:providers_importrun_add": row(LOGIN, FORBIDDEN),
    # Recompute runs and snapshots are written by the recompute service only; a run is started
    # with a POST to the run list's button.
    **{
        f"admin:market_{model}_{action}": row(LOGIN, FORBIDDEN)
        for model in ("recomputerun", "marketsnapshot", "costsnapshot")
        for action in ("add", "delete")
    },
    "admin:market_recomputerun_start": row(LOGIN, FORBIDDEN, admin="method"),
    # Administrators' readings of trust logs are recorded by the service; the admin only lists them.
    **{f"admin:trust_administratoraccess_{action}": row(LOGIN, FORBIDDEN) for action in ("add", "delete")},
    # Redaction requests are made and decided on the relationship's pages; the admin lists them.
    **{f"admin:trust_redactionrequest_{action}": row(LOGIN, FORBIDDEN) for action in ("add", "delete")},
    # The outbox's messages and periodic jobs are written by the services and the relay only; the
    # admin shows what was sent and when each job last succeeded.
    **{
        f"admin:outbox_{model}_{action}": row(LOGIN, FORBIDDEN)
        for model in ("outboxmessage", "periodicjob")
        for action in ("add", "delete")
    },
    # Sample ids that do not exist: staff get 404, everyone else is still refused first.
    "admin:view_on_site": row(LOGIN, FORBIDDEN, admin=HIDDEN),
    "admin/(?P<url>.*)$": row(LOGIN, FORBIDDEN, admin=HIDDEN),
    "admin/*": STAFF_ONLY,  # admin's unnamed redirect patterns
}


@dataclass(frozen=True)
class Route:
    key: str  # the URL name, or the pattern itself when unnamed
    pattern: str
    name: str | None


def all_routes(
    patterns: list[URLPattern | URLResolver] | None = None, prefix: str = "", namespace: str = ""
) -> Iterator[Route]:
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = (
                f"{namespace}:{pattern.namespace}"
                if namespace and pattern.namespace
                else pattern.namespace or namespace
            )
            yield from all_routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield Route(name or prefix + str(pattern.pattern), prefix + str(pattern.pattern), name)


def matrix_row(key: str) -> dict[str, str] | None:
    if key in MATRIX:
        return MATRIX[key]
    for glob, outcomes in MATRIX.items():
        if "*" in glob and fnmatch.fnmatchcase(key, glob):
            return outcomes
    return None


def test_every_url_pattern_has_a_row():
    missing = [route.key for route in all_routes() if matrix_row(route.key) is None]
    assert missing == [], f"URL patterns with no row in the permission matrix: {missing}"


def test_every_row_names_every_principal():
    for key, outcomes in MATRIX.items():
        assert set(outcomes) == set(PRINCIPALS), key


def _sample_url(route: Route, cast: Cast, token: str, samples: dict[str, dict[str, str]]) -> str:
    kwargs_by_parameter = {
        "slug": cast.local_authority_a.slug,
        "token": token,
        "key": "not-a-real-key",
        "uidb36": "1",
        "object_id": "1",
        "app_label": "accounts",
        "content_type_id": "1",
    }
    if route.name:
        resolver_pattern = next(p for p in _patterns_by_name() if p[0] == route.name)[1]
        known = {**kwargs_by_parameter, **samples.get(route.name, {})}
        kwargs = {parameter: known.get(parameter, "1") for parameter in resolver_pattern.converters_or_groups}
        return reverse(route.name, kwargs=kwargs)
    path = route.pattern.replace("<path:object_id>", "1").replace("(?P<url>.*)$", "no-such-page/")
    return "/" + path


@dataclass(frozen=True)
class _Parameters:
    converters_or_groups: tuple[str, ...]


def _patterns_by_name() -> Iterator[tuple[str, _Parameters]]:
    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = (
                    f"{namespace}:{pattern.namespace}"
                    if namespace and pattern.namespace
                    else pattern.namespace or namespace
                )
                for name, parameters in walk(pattern.url_patterns, inner):
                    yield name, _Parameters(tuple(pattern.pattern.regex.groupindex) + parameters.converters_or_groups)
            elif pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                yield name, _Parameters(tuple(pattern.pattern.regex.groupindex))

    return walk(get_resolver().url_patterns)


def _outcome(client: Client, url: str) -> str:
    response = client.get(url, follow=True)
    final_path = response.request["PATH_INFO"]
    login_path = reverse("account_login")
    if final_path == login_path and not url.startswith(login_path):
        return LOGIN
    by_status = {200: OK, 403: FORBIDDEN, 404: HIDDEN, 405: "method", 410: GONE}
    return by_status.get(response.status_code, str(response.status_code))


@pytest.fixture
def invitation_token(cast: Cast) -> str:
    _, token = invitation_create(
        organisation=cast.local_authority_a,
        email="new.colleague@example.org",
        role=MembershipRole.MEMBER,
        invited_by=cast.commissioner_a,
    )
    return token


@pytest.fixture
def samples(cast: Cast) -> dict[str, dict[str, str]]:
    """Real objects for the URLs that show one: a home, its provider and the provider's entity,
    and a current recompute run whose charts the dashboards' CSV links name."""
    home = HomeFactory()
    home_p = HomeFactory(provider_organisation=cast.provider_organisation_p.provider_organisation)
    vacancy = Vacancy.objects.create(home=home_p, places=1, available_from=datetime.date(2020, 4, 1))
    framework = Framework.objects.create(name="Framework of A", starts_on=datetime.date(2026, 4, 1))
    framework.local_authorities.set([LocalAuthority.objects.get(organisation=cast.local_authority_a)])
    framework.approved_providers.set([cast.provider_organisation_p.provider_organisation])
    entity = provider_entity_ensure(provider_organisation=home.provider_organisation, sector=home.sector)
    market_over_time()
    trust_objects = trust_sample_objects(cast, with_redaction=True)
    return {
        **page_samples(trust_objects),
        **api_samples(trust_objects),
        "market:dashboards_csv": {"chart": "hhi"},
        "market:dashboards_areas_csv": {"chart": "map"},
        "market:dashboards_area": {"code": NORTH_EAST},
        "market:dashboards_area_csv": {"code": NORTH_EAST, "chart": "authorities"},
        "market:dashboards_costs_csv": {"chart": "owner-types"},
        "registry:home": {"urn": home.urn},
        "api:home": {"urn": home.urn},
        "registry:provider": {"pk": str(home.provider_organisation.pk)},
        "ownership:owner": {"pk": str(entity.pk)},
        "api:owner": {"pk": str(entity.pk)},
        "admin:auth_user_password_change": {"id": str(cast.admin.pk)},
        **{name: {"urn": home_p.urn} for name in ("providers:home", "providers:profile_edit", "providers:vacancy_add")},
        "providers:vacancy_end": {"urn": home_p.urn, "pk": str(vacancy.pk)},
        **{
            f"frameworks:{name}": {"pk": str(framework.pk)}
            for name in ("framework", "edit", "providers", "provider_change")
        },
        **commissioning_samples(cast),
        **federation_samples(cast),
    }


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_each_principal_meets_the_matrix(
    principal: str, cast: Cast, invitation_token: str, samples: dict[str, dict[str, str]], client: Client
):
    user = cast.user(principal)
    if user is not None:
        client.force_login(user)
    observed, expected = {}, {}
    for route in all_routes():
        url = _sample_url(route, cast, invitation_token, samples)
        observed[url] = _outcome(client, url)
        row_ = matrix_row(route.key)
        assert row_ is not None
        expected[url] = row_[principal]
    mismatches = {
        url: f"expected {expected[url]}, got {observed[url]}" for url in observed if observed[url] != expected[url]
    }
    assert mismatches == {}
