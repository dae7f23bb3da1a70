from __future__ import annotations

from django import forms

from config.forms import GovukForm, choice_messages, text_messages
from geography.selectors import current_local_authorities, regions
from ownership.models import OwnerType
from providers.models import HomeKind, Judgement, Sector
from registry.selectors import SIZE_BANDS, HomeFilters

_ANY = [("", "Any")]


def _pick(thing: str) -> dict[str, str]:
    """A filter's value from an old or edited link that is not on the list."""
    return choice_messages(f"Choose {thing} from the list, or Any")


class HomeFilterForm(GovukForm):
    """Filters of the public registry search. Every field is optional."""

    # The page's order (registry/_homes_results.html), which the error summary follows.
    field_order = ["query", "region", "local_authority", "owner_type", "sector", "rating", "size", "kind"]

    query = forms.CharField(
        label="URN or owner name", required=False, max_length=120,
        error_messages=text_messages(None, thing="The URN or owner name", limit=120),
    )  # fmt: skip
    region = forms.ChoiceField(label="Region", required=False, error_messages=_pick("a region"))
    local_authority = forms.ChoiceField(
        label="Local authority", required=False, error_messages=_pick("a local authority")
    )
    sector = forms.ChoiceField(
        label="Sector", required=False, choices=_ANY + list(Sector.choices), error_messages=_pick("a sector")
    )
    owner_type = forms.ChoiceField(
        label="Owner type",
        required=False,
        choices=_ANY + list(OwnerType.choices),
        error_messages=_pick("an owner type"),
    )
    rating = forms.ChoiceField(
        label="Ofsted overall rating", required=False, choices=_ANY + list(Judgement.choices),
        error_messages=_pick("an Ofsted rating"),
    )  # fmt: skip
    size = forms.ChoiceField(
        label="Places", required=False, choices=_ANY + [(band, band) for band in SIZE_BANDS],
        error_messages=_pick("a number of places"),
    )  # fmt: skip
    kind = forms.ChoiceField(
        label="Type of home",
        required=False,
        choices=_ANY + list(HomeKind.choices),
        error_messages=_pick("a type of home"),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["region"].choices = _ANY + [(r.ons_code, r.name) for r in regions()]  # type: ignore[attr-defined]
        self.fields["local_authority"].choices = _ANY + [  # type: ignore[attr-defined]
            (authority.ons_code, authority.name) for authority in current_local_authorities()
        ]

    def filters(self) -> HomeFilters:
        """The valid filters; an invalid field is left out (and its error shown)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return HomeFilters(**{name: (data.get(name) or "").strip() for name in HomeFilters.__dataclass_fields__})
