from django.urls import path

from commissioning import framework_views as views

app_name = "frameworks"

urlpatterns = [
    path("", views.frameworks, name="frameworks"),
    path("new/", views.framework_create, name="create"),
    path("<int:pk>/", views.framework, name="framework"),
    path("<int:pk>/edit/", views.framework_edit, name="edit"),
    path("<int:pk>/providers/", views.framework_providers, name="providers"),
    path("<int:pk>/providers/change/", views.framework_provider_change, name="provider_change"),
]
