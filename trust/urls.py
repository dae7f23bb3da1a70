"""The trust log's pages: /relationships/... (each one has a row in tests/trust/matrix_pages.py)."""

from django.urls import URLPattern, path

from trust import views

app_name = "trust"

urlpatterns: list[URLPattern] = [
    path("", views.relationship_list, name="relationship_list"),
    path("<int:pk>/", views.relationship_detail, name="relationship"),
    path("<int:pk>/entries/new/", views.entry_add, name="entry_add"),
    path("<int:pk>/concerns/<int:entry>/restorative-case/", views.case_open, name="case_open"),
    path("<int:pk>/cases/<int:case>/", views.case_detail, name="case"),
    path("<int:pk>/pulse/", views.pulse, name="pulse"),
    path("<int:pk>/audited/", views.audited_access, name="audited_access"),
    path("<int:pk>/entries/<int:entry>/redaction/", views.redaction_request, name="redaction_request"),
    path("<int:pk>/redactions/<int:redaction>/", views.redaction_decide, name="redaction_decide"),
]
