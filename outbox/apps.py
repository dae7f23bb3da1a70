from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = "Outbox and periodic jobs"

    def ready(self) -> None:
        # Worker start sweeps the outbox, beat start catches up missed jobs, and every periodic
        # job's success is recorded (outbox.signals).
        from outbox import signals

        signals.connect()
