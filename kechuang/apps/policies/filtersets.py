"""One FilterSet for the decision list, its Excel export (for payment) and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from kechuang.apps.common.forms import FilterForm

from .models import BenefitDecision


class DecisionFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Year"))
    policy_code = django_filters.CharFilter(label=_("Policy code"))
    q = django_filters.CharFilter(label=_("Entity name or credit code"), method="search")

    class Meta:
        model = BenefitDecision
        fields = ["year", "policy_code", "q"]
        form = FilterForm

    def search(self, queryset, name, value):
        from django.db.models import Q

        value = value.strip()
        return queryset.filter(Q(entity__name__icontains=value) | Q(entity__uscc__icontains=value))
