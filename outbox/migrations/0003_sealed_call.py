"""A message's arguments are sealed at rest (outbox.sealing): undelivered messages are sealed
before the plain columns go; delivered ones need their arguments no more."""

from django.db import migrations, models


def seal(apps, schema_editor):
    from outbox.sealing import call_seal

    OutboxMessage = apps.get_model("outbox", "OutboxMessage")
    for message in OutboxMessage.objects.filter(delivered_at__isnull=True).only("pk", "args", "kwargs"):
        message.sealed_call = call_seal(list(message.args), dict(message.kwargs))
        message.save(update_fields=["sealed_call"])


class Migration(migrations.Migration):
    dependencies = [("outbox", "0002_cache_fallback_table")]

    operations = [
        migrations.AddField(model_name="outboxmessage", name="sealed_call", field=models.TextField(blank=True)),
        migrations.RunPython(seal, migrations.RunPython.noop),
        migrations.RemoveField(model_name="outboxmessage", name="args"),
        migrations.RemoveField(model_name="outboxmessage", name="kwargs"),
    ]
