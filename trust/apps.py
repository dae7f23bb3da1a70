from django.apps import AppConfig


class TrustConfig(AppConfig):
    name = "trust"

    def ready(self) -> None:
        # The referral journey publishes its events and never imports trust (see
        # commissioning.events): the trust log subscribes here.
        from commissioning.events import journey_event_subscribe
        from trust.tasks import journey_event_deliver

        journey_event_subscribe(journey_event_deliver)
