from django.urls import path

from federations import views

app_name = "federations"

urlpatterns = [
    path("federations/", views.federation_list, name="list"),
    # Before the federations' own pages: no federation can take this path as its slug.
    path("federations/in-the-market/", views.federations_in_the_market, name="market"),
    path("federations/<slug:slug>/", views.federation_detail, name="detail"),
    path("your-federations/", views.yours, name="yours"),
    path("frameworks/<int:pk>/small-providers/", views.framework_small_providers, name="framework_small_providers"),
    path("your-federations/new/", views.federation_form, name="form"),
    path("your-federations/offers/<int:pk>/", views.offer_withdraw, name="offer_withdraw"),
    path("your-federations/<slug:slug>/", views.manage, name="manage"),
    path("your-federations/<slug:slug>/invite/", views.invite, name="invite"),
    path("your-federations/<slug:slug>/invitations/<int:pk>/", views.invitation_answer, name="answer"),
    path("your-federations/<slug:slug>/invitations/<int:pk>/withdraw/", views.invitation_withdraw, name="withdraw"),
    path("your-federations/<slug:slug>/memberships/<int:pk>/leave/", views.leave, name="leave"),
    path("your-federations/<slug:slug>/coordinators/new/", views.coordinator_add, name="coordinator_add"),
    path("your-federations/<slug:slug>/coordinators/<int:pk>/end/", views.coordinator_end, name="coordinator_end"),
    path("your-federations/<slug:slug>/dissolve/", views.dissolve, name="dissolve"),
    path("your-federations/<slug:slug>/inbox/", views.inbox, name="inbox"),
    path("your-federations/<slug:slug>/inbox/<int:pk>/offer/", views.offer, name="offer"),
    path("your-federations/<slug:slug>/memberships/<int:pk>/inbox/", views.inbox_share, name="inbox_share"),
]
