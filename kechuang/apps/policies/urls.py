from django.urls import path

from . import views

app_name = "policies"

urlpatterns = [
    path("", views.PolicyListView.as_view(), name="policy_list"),
    path("decisions/", views.DecisionListView.as_view(), name="decision_list"),
    path("budget/", views.BudgetView.as_view(), name="budget"),
    path("whatif/", views.WhatIfView.as_view(), name="whatif"),
    path("entities/<int:pk>/", views.EntityBenefitsView.as_view(), name="entity_benefits"),
    path("<slug:code>/", views.PolicyDetailView.as_view(), name="policy_detail"),
    path("<slug:code>/export.yaml", views.PolicyExportView.as_view(), name="policy_export"),
    path("<slug:code>/versions/new/", views.VersionCreateView.as_view(), name="version_create"),
    path("<slug:code>/no-application/", views.NoApplicationView.as_view(), name="no_application"),
]
