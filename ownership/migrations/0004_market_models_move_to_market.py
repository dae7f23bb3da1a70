"""RecomputeRun, MarketSnapshot and CostSnapshot now belong to the market app (its 0001 takes
them over in state, with their tables): ownership forgets them without dropping a table."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("ownership", "0003_recomputerun_marketsnapshot_costsnapshot"),
        ("market", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="CostSnapshot"),
                migrations.DeleteModel(name="MarketSnapshot"),
                migrations.DeleteModel(name="RecomputeRun"),
            ],
            database_operations=[],
        ),
    ]
