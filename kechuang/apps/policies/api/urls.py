from django.urls import path

from . import views

urlpatterns = [
    path("policies/", views.PolicyListView.as_view(), name="policies-list"),
    path("entities/<int:pk>/benefits/", views.EntityBenefitsView.as_view(), name="policies-entity-benefits"),
    path("evaluate/", views.EvaluateView.as_view(), name="policies-evaluate"),
]
