"""Daily transparency digests (ADR 19), refused UPDATE, DELETE and TRUNCATE like the entries.

The same function as the entries' triggers (migration 0002) refuses the change; TRUNCATE only
in a session that opted in with `trust.allow_truncate` (the test suite's flush).
"""

from django.db import migrations, models

CREATE = """
CREATE TRIGGER trust_transparencydigest_no_update BEFORE UPDATE ON trust_transparencydigest
    FOR EACH ROW EXECUTE FUNCTION trust_entry_refuse_change();
CREATE TRIGGER trust_transparencydigest_no_delete BEFORE DELETE ON trust_transparencydigest
    FOR EACH ROW EXECUTE FUNCTION trust_entry_refuse_change();
CREATE TRIGGER trust_transparencydigest_no_truncate BEFORE TRUNCATE ON trust_transparencydigest
    FOR EACH STATEMENT EXECUTE FUNCTION trust_entry_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS trust_transparencydigest_no_truncate ON trust_transparencydigest;
DROP TRIGGER IF EXISTS trust_transparencydigest_no_delete ON trust_transparencydigest;
DROP TRIGGER IF EXISTS trust_transparencydigest_no_update ON trust_transparencydigest;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("trust", "0005_entry_content_redaction"),
    ]

    operations = [
        migrations.CreateModel(
            name="TransparencyDigest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sequence", models.PositiveIntegerField(help_text="1, 2, 3... one a day.", unique=True)),
                ("date", models.DateField(unique=True)),
                ("published_at", models.DateTimeField()),
                ("root", models.CharField(max_length=64)),
                ("chain_count", models.PositiveIntegerField()),
                ("heads", models.JSONField(default=list)),
                ("previous_digest", models.CharField(max_length=64)),
                ("digest_hash", models.CharField(max_length=64, unique=True)),
                ("version", models.PositiveSmallIntegerField()),
            ],
            options={
                "ordering": ["sequence"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("sequence__gte", 1)), name="transparency_digest_sequence_positive"
                    )
                ],
            },
        ),
        migrations.RunSQL(sql=CREATE, reverse_sql=DROP),
    ]
