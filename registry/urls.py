from django.urls import path

import config.converters  # noqa: F401 - registers the urn converter
from registry import views

app_name = "registry"

urlpatterns = [
    path("registry/", views.homes, name="homes"),
    path("registry/homes/<urn:urn>/", views.home, name="home"),
    path("registry/providers/<int:pk>/", views.provider, name="provider"),
]
