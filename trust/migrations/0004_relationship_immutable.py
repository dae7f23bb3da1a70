"""A relationship's two organisations never change, and a relationship is never removed.

The entries' hash chain covers the relationship's id, not who the two sides are, so without
this an UPDATE could hand a whole log to another organisation undetected. The same function
as the entries' triggers (migration 0002) refuses the change.
"""

from django.db import migrations

CREATE = """
CREATE TRIGGER trust_relationship_no_update BEFORE UPDATE ON trust_relationship
    FOR EACH ROW EXECUTE FUNCTION trust_entry_refuse_change();
CREATE TRIGGER trust_relationship_no_delete BEFORE DELETE ON trust_relationship
    FOR EACH ROW EXECUTE FUNCTION trust_entry_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS trust_relationship_no_delete ON trust_relationship;
DROP TRIGGER IF EXISTS trust_relationship_no_update ON trust_relationship;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("trust", "0003_commitments_cases_pulse_indicators"),
    ]

    operations = [
        migrations.RunSQL(sql=CREATE, reverse_sql=DROP),
    ]
