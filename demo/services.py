"""Loads the demonstration organisations and logins. Idempotent: a second run changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from accounts.models import MembershipRole, Organisation, OrganisationKind, User
from accounts.services import membership_set, organisation_create
from demo.federation import demo_federation_load
from demo.homes import DEMO_PROVIDER_NAME, demo_provider_link
from geography.models import LocalAuthority
from ownership.services import ownership_edges_load
from providers.models import ImportRun, ProviderOrganisation
from registry.importers.ofsted import file_sha256, ofsted_register_import
from registry.importers.ofsted_totals import official_totals_load

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "ownership" / "data"
REGISTERS = ROOT / "registry" / "data" / "ofsted"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    organisation: str


def _organisation(name: str, kind: OrganisationKind, ons_code: str | None = None) -> Organisation:
    existing = Organisation.objects.filter(name=name, kind=kind).first()
    if existing:
        return existing
    local_authority = LocalAuthority.objects.get(ons_code=ons_code) if ons_code else None
    return organisation_create(name=name, kind=kind, local_authority=local_authority)


def _user(email: str, full_name: str, password: str, *, staff: bool = False) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=password, full_name=full_name, is_staff=staff, is_superuser=staff
        )
    return user


@transaction.atomic
def demo_load(*, password: str) -> list[DemoLogin]:
    leeds = _organisation("Leeds City Council", OrganisationKind.LOCAL_AUTHORITY, "E08000035")
    _organisation("Manchester City Council", OrganisationKind.LOCAL_AUTHORITY, "E08000003")
    provider = _organisation(DEMO_PROVIDER_NAME, OrganisationKind.PROVIDER)
    registered_provider = demo_provider_link(provider)
    organiser = _organisation("Children's Homes Market Conference (demo)", OrganisationKind.ORGANISER)

    people = [
        ("Commissioner", "commissioner@example.org", "Sam Okafor", leeds),
        ("Provider", "provider@example.org", "Priya Shah", provider),
        ("Organiser", "organiser@example.org", "Alex Morgan", organiser),
    ]
    logins = []
    for role, email, name, organisation in people:
        user = _user(email, name, password)
        membership_set(user=user, organisation=organisation, role=MembershipRole.ADMIN)
        logins.append(DemoLogin(role, email, organisation.name))
        if role == "Provider":
            logins += _federation_logins(registered_provider, user, password)
    _user("admin@example.org", "Service administrator", password, staff=True)
    logins.append(DemoLogin("Administrator", "admin@example.org", "(administration site)"))
    return logins


def _federation_logins(
    registered_provider: ProviderOrganisation, provider_admin: User, password: str
) -> list[DemoLogin]:
    """The demo federation's coordinator, once the registry is there to choose its members."""
    coordinator = demo_federation_load(
        demo_provider=registered_provider, demo_provider_admin=provider_admin, password=password
    )
    if coordinator is None:
        return []
    return [DemoLogin("Coordinator", coordinator.email, "West Yorkshire Small Homes Federation (demo)")]


def registry_load(*, progress: Callable[[str], None]) -> list[ImportRun]:
    """Import the real Ofsted registers 2015-2025 (oldest first), Ofsted's official totals and
    the curated ownership edges.

    A register already imported (same file contents) is skipped, so a second `make run`
    starts quickly; the importers are idempotent in any case.
    """
    # A run from before editions were recorded (no `lists`) is imported again to record them.
    done = set(
        ImportRun.objects.filter(kind=ImportRun.Kind.OFSTED, status=ImportRun.Status.SUCCEEDED)
        .exclude(lists="")
        .values_list("source_sha256", flat=True)
    )
    runs = []
    for path in sorted(REGISTERS.glob("provider_at_march_*.csv")):
        if file_sha256(path) in done:
            continue
        progress(f"Importing {path.name}")
        runs.append(ofsted_register_import(path=path))
    official_totals_load(path=REGISTERS / "official_totals.csv")  # idempotent, a few rows
    if runs or not ImportRun.objects.filter(kind=ImportRun.Kind.CURATED).exists():
        progress("Loading the curated ownership edges")
        runs.extend(ownership_edges_load(directory=DATA))
    return runs
