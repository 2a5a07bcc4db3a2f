from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("entries", views.AuditEntryViewSet, basename="auditentry")
urlpatterns = router.urls
