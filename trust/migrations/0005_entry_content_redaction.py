"""Entry content apart from the chain (ADR 18).

1. `EntryContent` (body and the details' free text, with a random salt) and `RedactionRequest`;
   `Entry.payload` becomes `structured` (the details that stay in the chain) and gains
   `content_digest`.
2. Every existing log is re-chained under hash version 2: its text moves to `EntryContent` and
   each entry's hash is recomputed over the salted digest. The service is not yet in
   production (ADR 18 says so); the entries' UPDATE trigger is disabled for this step alone,
   inside this migration's transaction, and enabled again before it commits.
3. `Entry.body` is dropped, so no text is left in the immutable table.
4. Triggers on the content table allow exactly one UPDATE, the redaction (text and salt
   blanked, `redacted_at` and the note set, once); DELETE and TRUNCATE are refused as for
   entries (TRUNCATE only with the test suite's `trust.allow_truncate` opt-in).

The hash functions are copied here as they are today, so this migration keeps meaning what it
meant if `trust.hashing` ever moves on to a version 3.
"""

import datetime
import hashlib
import json
import secrets

import django.db.models.deletion
import django.db.models.fields.json
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

FREE_TEXT_KEYS = frozenset({"what", "by_whom", "actions"})
GENESIS_HASH = "0" * 64


def _canonical_json(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _entry_hash_v2(entry):
    created_at = entry.created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    form = {
        "version": 2,
        "relationship": entry.relationship_id,
        "sequence": entry.sequence,
        "entry_type": entry.entry_type,
        "author_organisation": entry.author_organisation_id,
        "author_user": entry.author_user_id,
        "content_digest": entry.content_digest,
        "payload": entry.structured,
        "corrects": entry.corrects_id,
        "replies_to": entry.replies_to_id,
        "created_at": created_at,
        "previous_hash": entry.previous_hash,
    }
    return hashlib.sha256(_canonical_json(form)).hexdigest()


def rechain(apps, schema_editor):
    Entry = apps.get_model("trust", "Entry")
    EntryContent = apps.get_model("trust", "EntryContent")
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE trust_entry DISABLE TRIGGER trust_entry_no_update")
    previous = {}
    contents = []
    for entry in Entry.objects.order_by("relationship_id", "sequence").iterator(chunk_size=1000):
        salt = secrets.token_hex(32)
        texts = {key: value for key, value in entry.structured.items() if key in FREE_TEXT_KEYS}
        entry.structured = {key: value for key, value in entry.structured.items() if key not in FREE_TEXT_KEYS}
        digest_input = bytes.fromhex(salt) + _canonical_json({"body": entry.body, "texts": texts})
        entry.content_digest = hashlib.sha256(digest_input).hexdigest()
        entry.previous_hash = previous.get(entry.relationship_id, GENESIS_HASH)
        entry.entry_hash = _entry_hash_v2(entry)
        previous[entry.relationship_id] = entry.entry_hash
        Entry.objects.filter(pk=entry.pk).update(
            structured=entry.structured,
            content_digest=entry.content_digest,
            previous_hash=entry.previous_hash,
            entry_hash=entry.entry_hash,
        )
        contents.append(EntryContent(entry_id=entry.pk, body=entry.body, texts=texts, salt=salt))
    EntryContent.objects.bulk_create(contents, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE trust_entry ENABLE TRIGGER trust_entry_no_update")


CONTENT_TRIGGERS = """
CREATE FUNCTION trust_entry_content_only_redaction() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('trust.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE'
        AND OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL
        AND NEW.entry_id = OLD.entry_id
        AND NEW.body = '' AND NEW.texts = '{}'::jsonb AND NEW.salt = ''
        AND NEW.redaction_note <> '' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'trust log content is never changed or removed (% on %), only redacted once',
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER trust_entry_content_only_redaction BEFORE UPDATE ON trust_entrycontent
    FOR EACH ROW EXECUTE FUNCTION trust_entry_content_only_redaction();
CREATE TRIGGER trust_entry_content_no_delete BEFORE DELETE ON trust_entrycontent
    FOR EACH ROW EXECUTE FUNCTION trust_entry_content_only_redaction();
CREATE TRIGGER trust_entry_content_no_truncate BEFORE TRUNCATE ON trust_entrycontent
    FOR EACH STATEMENT EXECUTE FUNCTION trust_entry_content_only_redaction();
"""

DROP_CONTENT_TRIGGERS = """
DROP TRIGGER IF EXISTS trust_entry_content_no_truncate ON trust_entrycontent;
DROP TRIGGER IF EXISTS trust_entry_content_no_delete ON trust_entrycontent;
DROP TRIGGER IF EXISTS trust_entry_content_only_redaction ON trust_entrycontent;
DROP FUNCTION IF EXISTS trust_entry_content_only_redaction();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_notification"),
        ("trust", "0004_relationship_immutable"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="entry", name="entry_system_event_once"),
        migrations.RenameField(model_name="entry", old_name="payload", new_name="structured"),
        migrations.AddConstraint(
            model_name="entry",
            constraint=models.UniqueConstraint(
                models.F("relationship"),
                django.db.models.fields.json.KeyTextTransform("event_key", "structured"),
                condition=models.Q(("entry_type", "system"), ("structured__has_key", "event_key")),
                name="entry_system_event_once",
            ),
        ),
        migrations.AddField(
            model_name="entry",
            name="content_digest",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="EntryContent",
            fields=[
                (
                    "entry",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="content",
                        serialize=False,
                        to="trust.entry",
                    ),
                ),
                ("body", models.TextField(blank=True)),
                ("texts", models.JSONField(blank=True, default=dict)),
                ("salt", models.CharField(blank=True, help_text="64 hex; blank once redacted.", max_length=64)),
                ("redacted_at", models.DateTimeField(blank=True, null=True)),
                (
                    "redaction_note",
                    models.TextField(blank=True, help_text="Redacted on <date> by <whom>, because <why>."),
                ),
            ],
            options={
                "verbose_name_plural": "entry contents",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("redacted_at__isnull", True),
                                ("redaction_note", ""),
                                models.Q(("salt", ""), _negated=True),
                            ),
                            models.Q(
                                ("body", ""),
                                ("redacted_at__isnull", False),
                                ("salt", ""),
                                ("texts", {}),
                                models.Q(("redaction_note", ""), _negated=True),
                            ),
                            _connector="OR",
                        ),
                        name="entry_content_whole_or_redacted",
                    )
                ],
            },
        ),
        migrations.RunPython(rechain, migrations.RunPython.noop),
        migrations.RemoveField(model_name="entry", name="body"),
        migrations.RunSQL(sql=CONTENT_TRIGGERS, reverse_sql=DROP_CONTENT_TRIGGERS),
        migrations.CreateModel(
            name="RedactionRequest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("reason", models.TextField()),
                ("requested_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting for a decision"),
                            ("approved", "Approved"),
                            ("declined", "Declined"),
                        ],
                        default="pending",
                        max_length=10,
                    ),
                ),
                ("decision_reason", models.TextField(blank=True)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "decided_by_organisation",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.organisation",
                    ),
                ),
                (
                    "entry",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="redaction_requests",
                        to="trust.entry",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "requested_by_organisation",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.organisation",
                    ),
                ),
            ],
            options={
                "ordering": ["requested_at", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status", "pending")),
                        fields=("entry",),
                        name="redaction_one_pending_per_entry",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("status", "approved")), fields=("entry",), name="redaction_approved_once"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["pending", "approved", "declined"])),
                        name="redaction_status_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("requested_by__isnull", True), ("requested_by_organisation__isnull", True)),
                            models.Q(("requested_by__isnull", False), ("requested_by_organisation__isnull", False)),
                            _connector="OR",
                        ),
                        name="redaction_requested_by_a_side_or_retention",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("decided_at__isnull", True), ("decided_by__isnull", True), ("status", "pending")),
                            models.Q(
                                models.Q(("status", "pending"), _negated=True),
                                ("decided_at__isnull", False),
                                ("decided_by__isnull", False),
                                models.Q(("decision_reason", ""), _negated=True),
                            ),
                            _connector="OR",
                        ),
                        name="redaction_decided_with_a_reason",
                    ),
                ],
            },
        ),
    ]
