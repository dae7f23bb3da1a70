from django.urls import path

from providers import views

app_name = "providers"

urlpatterns = [
    path("", views.homes, name="homes"),
    path("<str:urn>/", views.home, name="home"),
    path("<str:urn>/profile/", views.profile_edit, name="profile_edit"),
    path("<str:urn>/vacancies/new/", views.vacancy_add, name="vacancy_add"),
    path("<str:urn>/vacancies/<int:pk>/end/", views.vacancy_end, name="vacancy_end"),
]
