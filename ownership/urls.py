from django.urls import path

from ownership import views

app_name = "registry"

urlpatterns = [
    path("registry/", views.homes, name="homes"),
    path("registry/homes/<str:urn>/", views.home, name="home"),
    path("registry/owners/<int:pk>/", views.owner, name="owner"),
    path("registry/providers/<int:pk>/", views.provider, name="provider"),
]
