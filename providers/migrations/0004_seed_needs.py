"""Seed the needs vocabulary (Ofsted's registration categories and the National Placement
Standard's needs; see providers/needs.py). Running it again changes nothing."""

from django.db import migrations


def seed(apps, schema_editor):
    from providers.needs import needs_seed_into

    needs_seed_into(apps.get_model("providers", "Need"))


class Migration(migrations.Migration):
    dependencies = [("providers", "0003_need_homeprofile_vacancy")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
