"""Load England's regions and children's services authorities (ONS codes)."""

from django.db import migrations


def load(apps, schema_editor):
    from geography.services import load_reference_data_into

    load_reference_data_into(apps.get_model("geography", "Region"), apps.get_model("geography", "LocalAuthority"))


class Migration(migrations.Migration):
    dependencies = [("geography", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
