"""Load every English postcode district from the committed CSV (not from the postcode package)."""

from django.db import migrations


def load(apps, schema_editor):
    from geography.services import postcode_districts_load_into

    postcode_districts_load_into(
        apps.get_model("geography", "PostcodeDistrict"), apps.get_model("geography", "LocalAuthority")
    )


class Migration(migrations.Migration):
    dependencies = [("geography", "0005_postcode_district")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
