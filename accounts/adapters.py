"""allauth adapter: nobody signs up on their own; people join by invitation."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

# allauth's reply to a password-reset request for an unknown address invites the person to
# sign up, through a link to a page that is closed here.
_UNKNOWN_ACCOUNT_MAIL = "account/email/unknown_account"


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        if template_prefix == _UNKNOWN_ACCOUNT_MAIL:
            return
        super().send_mail(template_prefix, email, context)
