from django.urls import path

from . import views

app_name = "entities"

urlpatterns = [
    path("", views.EntityListView.as_view(), name="entity_list"),
    path("new/", views.EntityCreateView.as_view(), name="entity_create"),
    path("import/", views.EntityImportView.as_view(), name="entity_import"),
    path("template.xlsx", views.ExchangeTemplateView.as_view(), name="exchange_template"),
    path("export.xlsx", views.ExchangeExportView.as_view(), name="exchange_export"),
    path("assessments/", views.AssessmentListView.as_view(), name="assessment_list"),
    path("assessments/pool/", views.CandidatePoolView.as_view(), name="candidate_pool"),
    path("assessments/ladder/", views.LadderView.as_view(), name="ladder"),
    path("assessments/transitions/", views.TransitionListView.as_view(), name="transitions"),
    path("assessments/runs/", views.AssessmentRunListView.as_view(), name="assessment_runs"),
    path("assessments/runs/new/", views.AssessmentRunCreateView.as_view(), name="assessment_run_create"),
    path("assessments/criteria/", views.LadderCriteriaView.as_view(), name="ladder_criteria"),
    path("<int:pk>/", views.EntityDetailView.as_view(), name="entity_detail"),
    path("<int:pk>/edit/", views.EntityEditView.as_view(), name="entity_edit"),
    path("<int:pk>/facts/<int:year>/", views.EntityFactsView.as_view(), name="entity_facts"),
]
