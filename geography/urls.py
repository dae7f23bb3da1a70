from django.urls import path

from geography import views

app_name = "geography"

urlpatterns = [
    path("local-authorities/", views.local_authorities, name="local_authorities"),
]
