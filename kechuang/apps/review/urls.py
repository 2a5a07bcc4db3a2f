from django.urls import path

from . import views

app_name = "review"

urlpatterns = [
    path("", views.DocumentListView.as_view(), name="document_list"),
    path("new/", views.DocumentCreateView.as_view(), name="document_create"),
    path("policy-files/", views.PolicyFileFindingsView.as_view(), name="policy_files"),
    path("<int:pk>/", views.DocumentDetailView.as_view(), name="document_detail"),
    path("<int:pk>/edit/", views.DocumentEditView.as_view(), name="document_edit"),
    path("<int:pk>/revise/", views.DocumentReviseView.as_view(), name="document_revise"),
    path("<int:pk>/status/", views.DocumentStatusView.as_view(), name="document_status"),
    path("<int:pk>/review-again/", views.DocumentReviewAgainView.as_view(), name="document_review_again"),
    path("<int:pk>/decide/", views.FindingDecisionView.as_view(), name="finding_decide"),
    path("<int:pk>/file/", views.DocumentFileView.as_view(), name="document_file"),
    path("<int:pk>/opinion.docx", views.OpinionView.as_view(kind="docx"), name="opinion_docx"),
    path("<int:pk>/opinion.pdf", views.OpinionView.as_view(kind="pdf"), name="opinion_pdf"),
]
