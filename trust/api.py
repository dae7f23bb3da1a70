"""The trust log over the API: relationships and their entries (read, and append)."""

from __future__ import annotations

from django.urls import URLPattern

# Included into config.urls' api_v1 list (names become "api:<name>").
api_urlpatterns: list[URLPattern] = []
