from django.urls import path

from ownership import views

app_name = "ownership"

# Under /registry/ beside the homes, as the registry has always shown its owners.
urlpatterns = [
    path("registry/owners/<int:pk>/", views.owner, name="owner"),
]
