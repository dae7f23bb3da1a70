from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import MembershipRole


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        help_text="Use the person's work e-mail address. The link in the invitation works once.",
        max_length=254,
    )
    role = forms.ChoiceField(
        label="Role",
        choices=MembershipRole.choices,
        initial=MembershipRole.MEMBER,
        widget=forms.RadioSelect,
        help_text="Organisation admins can invite others.",
    )


class InvitationAcceptForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=150)
    password1 = forms.CharField(
        label="Create a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters. Avoid a password you use elsewhere.",
    )
    password2 = forms.CharField(
        label="Confirm password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", "The passwords do not match.")
        return cleaned
