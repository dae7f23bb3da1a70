"""Project wiring: settings, URLs, Celery, WSGI."""

from config.celery import app as celery_app

__all__ = ["celery_app"]
