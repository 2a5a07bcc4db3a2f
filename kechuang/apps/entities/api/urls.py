from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("assessment-runs", views.AssessmentRunViewSet, basename="assessment-run")
router.register("assessment-results", views.AssessmentResultViewSet, basename="assessment-result")
router.register("", views.EntityViewSet, basename="entity")
urlpatterns = router.urls
