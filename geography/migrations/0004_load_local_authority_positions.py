"""Load each authority's map position from the committed CSV (not from the postcode package)."""

from django.db import migrations


def load(apps, schema_editor):
    from geography.services import positions_load_into

    positions_load_into(apps.get_model("geography", "LocalAuthority"))


class Migration(migrations.Migration):
    dependencies = [("geography", "0003_local_authority_position")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
