from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("plans", views.PlanViewSet, basename="plans-plan")
router.register("indicators", views.IndicatorViewSet, basename="plans-indicator")
router.register("values", views.ValueViewSet, basename="plans-value")
router.register("reports", views.ReportViewSet, basename="plans-report")
urlpatterns = router.urls
