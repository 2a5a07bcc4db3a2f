from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.AuditEntryListView.as_view(), name="auditentry_list"),
    path("<int:pk>/", views.AuditEntryDetailView.as_view(), name="auditentry_detail"),
    path("<int:pk>/file/", views.AuditFileView.as_view(), name="auditentry_file"),
]
