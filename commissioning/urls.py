from django.urls import path

from commissioning import identifier_views, views

app_name = "commissioning"

urlpatterns = [
    # Commissioners
    path("referrals/", views.referral_list, name="referral_list"),
    path("referrals/new/", views.referral_create, name="referral_create"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/edit/", views.referral_edit, name="referral_edit"),
    path("referrals/<int:pk>/preview/", views.referral_preview, name="referral_preview"),
    path("referrals/<int:pk>/withdraw/", views.referral_withdraw, name="referral_withdraw"),
    path("referrals/<int:pk>/offers/<int:offer_pk>/accept/", views.offer_accept, name="offer_accept"),
    path("placements/", views.placement_list, name="placement_list"),
    path("placements/<int:pk>/end/", views.placement_end, name="placement_end"),
    # Provider staff
    path("referrals-received/", views.invitation_list, name="invitation_list"),
    path("referrals-received/<int:pk>/", views.invitation_detail, name="invitation_detail"),
    path("referrals-received/<int:pk>/offer/", views.offer_create, name="offer_create"),
    path("referrals-received/<int:pk>/decline/", views.invitation_decline, name="invitation_decline"),
    # Every signed-in person's free-text fields, while they type (htmx)
    path("identifiers/check/", identifier_views.identifiers_check, name="identifiers_check"),
]
