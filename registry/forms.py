from __future__ import annotations

from django import forms

from geography.selectors import current_local_authorities, regions
from ownership.models import OwnerType
from providers.models import HomeKind, Judgement, Sector
from registry.selectors import SIZE_BANDS, HomeFilters

_ANY = [("", "Any")]


class HomeFilterForm(forms.Form):
    """Filters of the public registry search. Every field is optional."""

    query = forms.CharField(label="URN or owner name", required=False, max_length=120)
    region = forms.ChoiceField(label="Region", required=False)
    local_authority = forms.ChoiceField(label="Local authority", required=False)
    sector = forms.ChoiceField(label="Sector", required=False, choices=_ANY + list(Sector.choices))
    owner_type = forms.ChoiceField(label="Owner type", required=False, choices=_ANY + list(OwnerType.choices))
    rating = forms.ChoiceField(label="Ofsted overall rating", required=False, choices=_ANY + list(Judgement.choices))
    size = forms.ChoiceField(label="Places", required=False, choices=_ANY + [(band, band) for band in SIZE_BANDS])
    kind = forms.ChoiceField(label="Type of home", required=False, choices=_ANY + list(HomeKind.choices))

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
