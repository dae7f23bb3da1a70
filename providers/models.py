"""Provider organisations, their children's homes (keyed by Ofsted URN) and federations.

Homes hold the current state from the latest Ofsted register imported; HomeObservation keeps
what each register said on its date, so history across years is kept, not overwritten.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Organisation


class ProviderOrganisation(models.Model):
    """A registered provider of children's homes: the owner as Ofsted names it, normalised.

    Ofsted's free-text owner names change spelling between years ("... LTD" / "... LIMITED",
    trading names, company numbers inside the name); every spelling seen is kept as a
    ProviderOrganisationName pointing here.
    """

    name = models.CharField(max_length=255)
    # The normalised form of the name that identifies the organisation across spellings.
    normalised_name = models.CharField(max_length=255, unique=True, null=True, blank=True)
    companies_house_number = models.CharField(max_length=8, blank=True)
    charity_number = models.CharField(max_length=12, blank=True)
    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="provider_organisation",
        limit_choices_to=Q(kind="provider"),
        help_text="The service organisation whose members act for this provider, once it has joined.",
    )

    class Meta:
        ordering = ["name"]
        indexes = [
            # Owners are looked up by company number when linking Companies House data.
            models.Index(fields=["companies_house_number"], name="provider_org_company_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class ProviderOrganisationName(models.Model):
    """One spelling of a registered owner's name, as it appeared in an Ofsted register."""

    provider_organisation = models.ForeignKey(ProviderOrganisation, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=255, unique=True)
    first_seen_on = models.DateField(null=True, blank=True)
    last_seen_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class HomeKind(models.TextChoices):
    CHILDRENS_HOME = "childrens_home", "Children's home"
    SECURE_CHILDRENS_HOME = "secure_childrens_home", "Secure children's home"
    RESIDENTIAL_SPECIAL_SCHOOL = (
        "residential_special_school",
        "Residential special school (registered as a children's home)",
    )


class Sector(models.TextChoices):
    PRIVATE = "private", "Private"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    VOLUNTARY = "voluntary", "Voluntary"
    HEALTH_AUTHORITY = "health_authority", "Health authority"
    ACADEMY = "academy", "Academy"
    OTHER = "other", "Other"


class Judgement(models.TextChoices):
    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement to be good"
    INADEQUATE = "inadequate", "Inadequate"


class Home(models.Model):
    """A children's home registered with Ofsted, as the latest imported register describes it."""

    urn = models.CharField("URN", max_length=12, unique=True)
    # Children's homes' names and addresses are REDACTED in Ofsted's file: stored blank.
    name = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=32, choices=HomeKind.choices)
    provision_type = models.CharField(max_length=120, help_text="As Ofsted writes it.")
    registration_date = models.DateField(null=True, blank=True)
    registration_status = models.CharField(max_length=40, blank=True)
    local_authority = models.ForeignKey(
        "geography.LocalAuthority", on_delete=models.PROTECT, related_name="homes", null=True, blank=True
    )
    sector = models.CharField(max_length=20, choices=Sector.choices)
    places = models.PositiveIntegerField(null=True, blank=True)
    short_break_only = models.BooleanField(null=True, blank=True)
    multi_building = models.BooleanField(null=True, blank=True)
    registered_owner_name = models.CharField(max_length=255, blank=True, help_text="As Ofsted gives it.")
    provider_organisation = models.ForeignKey(
        ProviderOrganisation, on_delete=models.PROTECT, related_name="homes", null=True, blank=True
    )
    overall_judgement = models.CharField(max_length=24, choices=Judgement.choices, blank=True)
    protection_judgement = models.CharField(max_length=24, choices=Judgement.choices, blank=True)
    leadership_judgement = models.CharField(max_length=24, choices=Judgement.choices, blank=True)
    inspection_date = models.DateField(null=True, blank=True)
    first_seen_on = models.DateField()
    last_seen_on = models.DateField()
    # Set when a later register no longer lists the home.
    closed_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["urn"]
        indexes = [
            # Registry search filters by area, owner and sector; matching by authority.
            models.Index(fields=["local_authority", "kind"], name="home_local_authority_idx"),
            models.Index(fields=["provider_organisation"], name="home_provider_idx"),
            models.Index(fields=["sector", "kind"], name="home_sector_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("first_seen_on")),
                name="home_closed_after_first_seen",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"Children's home {self.urn}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class ImportRun(models.Model):
    """One import of one file: what it found and what it changed."""

    class Kind(models.TextChoices):
        OFSTED = "ofsted", "Ofsted provider-level register"
        BODS = "bods", "Beneficial Ownership Data Standard statements"
        CURATED = "curated", "Curated ownership edges"
        PSC = "psc", "Companies House PSC snapshot"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    source_name = models.CharField(max_length=255, help_text="The file's name.")
    source_sha256 = models.CharField(max_length=64, blank=True)
    as_of = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # {"new": n, "changed": n, "closed": n, "unchanged": n, "rejected": n, ...}
    counts = models.JSONField(default=dict, blank=True)
    # [{"line": n, "reason": "..."}]
    rejected_rows = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    # What an Ofsted register edition holds (null: not a register, or not yet read). A date
    # whose register names no owners can publish counts only; places unknown stay unknown.
    has_owner_names = models.BooleanField(null=True, blank=True)
    has_places = models.BooleanField(null=True, blank=True)
    lists = models.CharField(max_length=255, blank=True, help_text="What the register lists, in plain words.")
    is_complete_register = models.BooleanField(
        null=True, blank=True, help_text="False when the file lists only some registered providers (e.g. inspected)."
    )
    lists_source = models.CharField(max_length=255, blank=True, help_text="Where 'lists' comes from.")

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.source_name} ({self.as_of or 'no date'})"


class HomeObservation(models.Model):
    """What one register said about one home on its date."""

    home = models.ForeignKey(Home, on_delete=models.CASCADE, related_name="observations")
    import_run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="observations")
    as_of = models.DateField()
    provision_type = models.CharField(max_length=120)
    registration_status = models.CharField(max_length=40, blank=True)
    local_authority = models.ForeignKey(
        "geography.LocalAuthority", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    sector = models.CharField(max_length=20, choices=Sector.choices)
    places = models.PositiveIntegerField(null=True, blank=True)
    short_break_only = models.BooleanField(null=True, blank=True)
    multi_building = models.BooleanField(null=True, blank=True)
    registered_owner_name = models.CharField(max_length=255, blank=True)
    provider_organisation = models.ForeignKey(
        ProviderOrganisation, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    overall_judgement = models.CharField(max_length=24, choices=Judgement.choices, blank=True)

    class Meta:
        ordering = ["home", "as_of"]
        constraints = [
            models.UniqueConstraint(fields=["home", "as_of"], name="home_observation_one_per_date"),
        ]
        indexes = [
            # Market analytics read every observation of a date.
            models.Index(fields=["as_of"], name="home_observation_as_of_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.home.urn} at {self.as_of}"


class Federation(models.Model):
    """A group of (usually small) providers with one shared profile and a joint inbox."""

    name = models.CharField(max_length=255, unique=True)
    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.PROTECT,
        related_name="federation",
        limit_choices_to=Q(kind="federation"),
    )
    members = models.ManyToManyField(ProviderOrganisation, related_name="federations", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NeedSource(models.TextChoices):
    OFSTED = "ofsted", "Ofsted registration category"
    NATIONAL_PLACEMENT_STANDARD = "nps", "National Placement Standard"


class Need(models.Model):
    """One entry of the controlled list of needs a home can be registered for and a referral
    can ask for. It absorbs Ofsted's registration categories and the National Placement
    Standard's vocabulary, so both sides speak one language."""

    code = models.SlugField(max_length=60, unique=True)
    label = models.CharField(max_length=150)
    source = models.CharField(max_length=6, choices=NeedSource.choices)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class RegisteredSex(models.TextChoices):
    FEMALE = "female", "Girls"
    MALE = "male", "Boys"
    ANY = "any", "Girls and boys"


class HomeProfile(models.Model):
    """What a home's registration and statement of purpose say it can offer, kept by the
    provider's staff. The Ofsted rating is not here: it comes from the registry."""

    home = models.OneToOneField(Home, on_delete=models.CASCADE, related_name="profile")
    age_minimum = models.PositiveSmallIntegerField(default=8)
    age_maximum = models.PositiveSmallIntegerField(default=17)
    sexes = models.CharField(max_length=6, choices=RegisteredSex.choices, default=RegisteredSex.ANY)
    needs = models.ManyToManyField(Need, related_name="home_profiles", blank=True)
    statement_of_purpose = models.TextField(blank=True, help_text="A summary; no child's details.")
    takes_emergency_admissions = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(age_minimum__lte=models.F("age_maximum")) & Q(age_maximum__lte=18),
                name="home_profile_age_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Profile of {self.home}"


class Vacancy(models.Model):
    """Places free now (available_from today or earlier) or expected from a date."""

    home = models.ForeignKey(Home, on_delete=models.CASCADE, related_name="vacancies")
    places = models.PositiveSmallIntegerField(default=1)
    available_from = models.DateField()
    available_until = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["available_from"]
        verbose_name_plural = "vacancies"
        constraints = [
            models.CheckConstraint(condition=Q(places__gte=1), name="vacancy_at_least_one_place"),
            models.CheckConstraint(
                condition=Q(available_until__isnull=True) | Q(available_until__gte=models.F("available_from")),
                name="vacancy_ends_after_it_starts",
            ),
        ]
        indexes = [
            # Matching looks for vacancies open by a referral's start date.
            models.Index(fields=["available_from"], name="vacancy_available_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.places} place(s) at {self.home} from {self.available_from}"
