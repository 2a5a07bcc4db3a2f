from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("org-units", views.OrgUnitViewSet, basename="orgunit")
router.register("users", views.UserViewSet, basename="user")

urlpatterns = [path("me/", views.MeView.as_view(), name="me"), *router.urls]
