from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from kechuang.apps.common.views import PUBLIC


def _declare(view, capability):
    view.required_capability = capability
    return view


class SchemaView(SpectacularJSONAPIView):
    required_capability = PUBLIC


class DocsView(SpectacularSwaggerView):
    required_capability = PUBLIC


api_patterns = [
    path("openapi.json", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    path("accounts/", include("kechuang.apps.accounts.api.urls")),
    path("audit/", include("kechuang.apps.audit.api.urls")),
    path("tasks/", include("kechuang.apps.tasks.api.urls")),
    path("entities/", include("kechuang.apps.entities.api.urls")),
    path("review/", include("kechuang.apps.review.api.urls")),
    path("plans/", include("kechuang.apps.plans.api.urls")),
    path("policies/", include("kechuang.apps.policies.api.urls")),
]

urlpatterns = [
    path("", include("kechuang.apps.common.urls")),
    path("accounts/", include("kechuang.apps.accounts.urls")),
    path("audit/", include("kechuang.apps.audit.urls")),
    path("tasks/", include("kechuang.apps.tasks.urls")),
    path("entities/", include("kechuang.apps.entities.urls")),
    path("review/", include("kechuang.apps.review.urls")),
    path("plans/", include("kechuang.apps.plans.urls")),
    path("policies/", include("kechuang.apps.policies.urls")),
    path("api/", include((api_patterns, "api"))),
    path("i18n/setlang/", _declare(set_language, PUBLIC), name="set_language"),
]

