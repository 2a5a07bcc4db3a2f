from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("", views.EntityViewSet, basename="entity")
urlpatterns = router.urls
