"""The database itself refuses to change or remove trust log entries.

Row-level BEFORE UPDATE and BEFORE DELETE triggers, and a statement-level BEFORE TRUNCATE
trigger, raise on the entries table, whoever connects. Two ways around them remain, both
deliberate acts of a table owner or superuser: `ALTER TABLE ... DISABLE TRIGGER` (or
`session_replication_role = replica`), which the hash chain and `verify_trust_log` detect;
and TRUNCATE in a session that has opted in with `SET trust.allow_truncate = 'on'`.

That opt-in exists for one caller: the test suite, whose transactional tests are cleaned up by
Django's `flush` (one `TRUNCATE` of every table). Without it no transactional test anywhere
in the project could run once this table existed. A TRUNCATE empties the whole log, so it is
as visible to `verify_trust_log` as an absent relationship history is to both sides; a
session setting is no more power than the table owner already has with DISABLE TRIGGER.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION trust_entry_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('trust.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'trust log entries are never changed or removed (% on %): add a correction instead',
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER trust_entry_no_update BEFORE UPDATE ON trust_entry
    FOR EACH ROW EXECUTE FUNCTION trust_entry_refuse_change();
CREATE TRIGGER trust_entry_no_delete BEFORE DELETE ON trust_entry
    FOR EACH ROW EXECUTE FUNCTION trust_entry_refuse_change();
CREATE TRIGGER trust_entry_no_truncate BEFORE TRUNCATE ON trust_entry
    FOR EACH STATEMENT EXECUTE FUNCTION trust_entry_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS trust_entry_no_truncate ON trust_entry;
DROP TRIGGER IF EXISTS trust_entry_no_delete ON trust_entry;
DROP TRIGGER IF EXISTS trust_entry_no_update ON trust_entry;
DROP FUNCTION IF EXISTS trust_entry_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("trust", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(sql=CREATE, reverse_sql=DROP),
    ]
