from django.urls import path

import config.converters  # noqa: F401 - registers the ons converter
from market import hexmap_views, presentation, scenario_views, views

app_name = "market"

# The public market dashboards (market/views.py). Every chart has its CSV beside it.
urlpatterns = [
    path("dashboards/", views.overview, name="dashboards"),
    path("dashboards/<slug:chart>.csv", views.overview_csv, name="dashboards_csv"),
    path("dashboards/areas/", views.areas, name="dashboards_areas"),
    path("dashboards/areas/map.svg", hexmap_views.areas_map_svg, name="dashboards_areas_map"),
    path("dashboards/areas/<slug:chart>.csv", views.areas_csv, name="dashboards_areas_csv"),
    path("dashboards/areas/<ons:code>/", views.area, name="dashboards_area"),
    path("dashboards/areas/<ons:code>/<slug:chart>.csv", views.area_csv, name="dashboards_area_csv"),
    path("dashboards/costs/", views.costs, name="dashboards_costs"),
    path("dashboards/costs/<slug:chart>.csv", views.costs_csv, name="dashboards_costs_csv"),
    path("dashboards/present/", presentation.present, name="dashboards_present"),
    path("dashboards/method/", views.method, name="dashboards_method"),
    path("dashboards/scenarios/", scenario_views.scenarios, name="dashboards_scenarios"),
]
