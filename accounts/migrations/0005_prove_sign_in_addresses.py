"""Addresses left unverified by earlier password-reset requests are the users' own, proved
by their invitations: mark them verified, so those people can set up two-factor authentication."""

from django.db import migrations
from django.db.models import F
from django.db.models.functions import Lower


def prove_sign_in_addresses(apps, schema_editor):  # type: ignore[no-untyped-def]
    EmailAddress = apps.get_model("account", "EmailAddress")
    EmailAddress.objects.filter(verified=False).annotate(address=Lower("email"), sign_in=Lower("user__email")).filter(
        address=F("sign_in")
    ).update(verified=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_idempotency_key"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(prove_sign_in_addresses, migrations.RunPython.noop)]
