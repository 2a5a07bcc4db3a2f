from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("", views.PlanListView.as_view(), name="plan_list"),
    path("load/", views.PlanLoadView.as_view(), name="plan_load"),
    path("reporting/", views.MyReportsView.as_view(), name="my_reports"),
    path("overdue/", views.OverdueView.as_view(), name="overdue"),
    path("public/", views.PublicPlanListView.as_view(), name="public_list"),
    path("public/<int:pk>/", views.PublicPlanView.as_view(), name="public_plan"),
    path("<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("<int:pk>/evaluation/", views.PlanEvaluationView.as_view(), name="plan_evaluation"),
    path("<int:pk>/report.docx", views.PlanReportFileView.as_view(kind="docx"), name="plan_report_docx"),
    path("<int:pk>/report.pdf", views.PlanReportFileView.as_view(kind="pdf"), name="plan_report_pdf"),
    path("<int:pk>/publish/", views.PlanPublishView.as_view(), name="plan_publish"),
    path("<int:pk>/refresh/", views.PlanRefreshView.as_view(), name="plan_refresh"),
    path("<int:pk>/rounds/new/", views.RoundOpenView.as_view(), name="round_open"),
    path("indicators/<int:pk>/", views.IndicatorDetailView.as_view(), name="indicator_detail"),
    path("indicators/<int:pk>/parts/", views.IndicatorPartsView.as_view(), name="indicator_parts"),
    path("rounds/<int:pk>/", views.RoundDetailView.as_view(), name="round_detail"),
    path("reports/<int:pk>/", views.ReportDetailView.as_view(), name="report_detail"),
    path("reports/<int:pk>/approve/", views.ReportDecisionView.as_view(decision="approve"), name="report_approve"),
    path("reports/<int:pk>/return/", views.ReportDecisionView.as_view(decision="return"), name="report_return"),
    path("reports/<int:pk>/template.xlsx", views.ReportTemplateView.as_view(), name="report_template"),
    path("reports/<int:pk>/upload/", views.ReportUploadView.as_view(), name="report_upload"),
    path("values/<int:pk>/revise/", views.ValueReviseView.as_view(), name="value_revise"),
    path("values/<int:pk>/request-revision/", views.RevisionRequestView.as_view(), name="value_request_revision"),
    path("revisions/<int:pk>/", views.RevisionDetailView.as_view(), name="revision_detail"),
]
