"""The public transparency page and feed: /transparency/... (rows in tests/test_permission_matrix.py)."""

from django.urls import URLPattern, path

from trust import barometer_views
from trust import transparency_views as views

app_name = "transparency"

urlpatterns: list[URLPattern] = [
    path("", views.digests, name="digests"),
    path("digests.json", views.feed, name="feed"),
    path("barometer/", barometer_views.barometer, name="barometer"),
]
