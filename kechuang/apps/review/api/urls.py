from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("documents", views.DocumentViewSet, basename="review-document")

urlpatterns = [path("check/", views.CheckView.as_view(), name="review-check"), *router.urls]
