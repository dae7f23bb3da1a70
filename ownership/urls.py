from django.urls import path

import config.converters  # noqa: F401 - registers the urn and ons converters
from ownership import dashboards, views

app_name = "registry"

urlpatterns = [
    path("registry/", views.homes, name="homes"),
    path("registry/homes/<urn:urn>/", views.home, name="home"),
    path("registry/owners/<int:pk>/", views.owner, name="owner"),
    path("registry/providers/<int:pk>/", views.provider, name="provider"),
]

# The public market dashboards (ownership/dashboards.py). Every chart has its CSV beside it.
urlpatterns += [
    path("dashboards/", dashboards.overview, name="dashboards"),
    path("dashboards/<slug:chart>.csv", dashboards.overview_csv, name="dashboards_csv"),
    path("dashboards/areas/", dashboards.areas, name="dashboards_areas"),
    path("dashboards/areas/<slug:chart>.csv", dashboards.areas_csv, name="dashboards_areas_csv"),
    path("dashboards/areas/<ons:code>/", dashboards.area, name="dashboards_area"),
    path("dashboards/areas/<ons:code>/<slug:chart>.csv", dashboards.area_csv, name="dashboards_area_csv"),
    path("dashboards/costs/", dashboards.costs, name="dashboards_costs"),
    path("dashboards/costs/<slug:chart>.csv", dashboards.costs_csv, name="dashboards_costs_csv"),
    path("dashboards/present/", dashboards.present, name="dashboards_present"),
]
