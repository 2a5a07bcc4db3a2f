"""API of the plans module: /api/plans/…"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import actions
from ..evaluation import evaluate_for, parse_date
from ..models import Indicator, Plan, Target, UnitReport, Value
from ..reporting import value_lines


def _errors(exc: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError({k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()})
    return serializers.ValidationError({"non_field_errors": exc.messages})


class TargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Target
        fields = ["year", "value", "upper", "comparator", "rule"]


class IndicatorSerializer(serializers.ModelSerializer):
    plan = serializers.CharField(source="plan.code")
    catalogue = serializers.CharField(source="catalogue.code", default=None)
    lead_unit_code = serializers.CharField(source="lead_unit.code", default=None)
    targets = TargetSerializer(many=True)

    class Meta:
        model = Indicator
        fields = ["id", "plan", "code", "name", "unit", "report_unit", "series", "catalogue", "direction", "kind",
                  "value_type", "chapter", "method", "computation", "frequency", "lead_name", "lead_unit_code",
                  "baseline_year", "baseline_value", "targets"]


class PlanSerializer(serializers.ModelSerializer):
    place_code = serializers.CharField(source="org_unit.code", default=None)

    class Meta:
        model = Plan
        fields = ["id", "code", "title", "kind", "document_status", "issuer", "document_number", "place_code",
                  "owner_name", "period_start", "period_end", "file_name", "sha256", "version", "published"]


class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Plans of the caller's units."""

    required_capability = "plans.view_plan"
    serializer_class = PlanSerializer

    def get_queryset(self):
        return Plan.objects.visible_to(self.request.user).select_related("org_unit").order_by("code")

    @extend_schema(parameters=[OpenApiParameter("as_of", str, description="YYYY-MM-DD: the data as known that day")],
                   responses=dict)
    @action(detail=True, methods=["get"])
    def evaluation(self, request, pk=None):
        """The engine's evaluation: per indicator achievement, required_growth, forecast, status and
        the explanation; roll-ups per plan, chapter and unit."""
        plan = self.get_object()
        as_of = request.query_params.get("as_of")
        date = parse_date(as_of)
        if as_of and date is None:
            raise serializers.ValidationError({"as_of": ["YYYY-MM-DD"]})
        return Response(evaluate_for(request.user, plan, date))


class IndicatorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Indicators the caller may see (``?plan=<code>`` to pick one plan)."""

    required_capability = "plans.view_plan"
    serializer_class = IndicatorSerializer

    def get_queryset(self):
        rows = (Indicator.objects.visible_to(self.request.user)
                .filter(plan__in=Plan.objects.visible_to(self.request.user))
                .select_related("plan", "catalogue", "lead_unit").prefetch_related("targets").order_by("plan", "order"))
        plan = self.request.query_params.get("plan")
        return rows.filter(plan__code=plan) if plan else rows


class ValueSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="org_unit.code", read_only=True)
    indicator_code = serializers.CharField(source="indicator.code", read_only=True, default=None)

    class Meta:
        model = Value
        fields = ["id", "series", "indicator_code", "unit_code", "year", "quarter", "value", "source_note", "kind",
                  "report", "known_at", "entered_at", "reason", "supersedes"]


class ValueInputSerializer(serializers.Serializer):
    report = serializers.IntegerField()
    indicator = serializers.CharField(help_text="indicator code")
    unit = serializers.CharField(required=False, help_text="whose value (unit code); default: the line's only unit")
    value = serializers.FloatField(allow_null=True)
    source_note = serializers.CharField(max_length=300)


class ValueViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Values: list those of the caller's units; enter one into the caller's unit's report."""

    required_capability = "plans.view_plan"
    action_capabilities = {"create": "plans.report"}
    serializer_class = ValueSerializer

    def get_queryset(self):
        return Value.objects.visible_to(self.request.user).select_related("org_unit", "indicator").order_by("pk")

    @extend_schema(request=ValueInputSerializer, responses=ValueSerializer)
    def create(self, request, *args, **kwargs):
        data = ValueInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = data.validated_data
        report = UnitReport.objects.visible_to(request.user, "plans.report").filter(pk=item["report"]).first()
        if report is None:
            raise serializers.ValidationError({"report": ["not found"]})
        lines = [line for line in value_lines(report) if line.indicator.code == item["indicator"]
                 and (not item.get("unit") or line.value_unit.code == item["unit"])]
        if len(lines) != 1:
            raise serializers.ValidationError({"indicator": ["not a line of this report" if not lines
                                                             else "several lines: give unit"]})
        try:
            actions.do_save_report(report, acting_user=request.user, values=[actions.LineInput(
                lines[0].key, item["value"], item["source_note"])])
        except DjangoValidationError as exc:
            raise _errors(exc) from None
        row = Value.objects.filter(report=report, indicator=lines[0].indicator,
                                   org_unit=lines[0].value_unit).order_by("-entered_at", "-pk").first()
        if row is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ValueSerializer(row).data, status=status.HTTP_201_CREATED)


class ReportSerializer(serializers.ModelSerializer):
    plan = serializers.CharField(source="round.plan.code")
    period = serializers.CharField(source="round.period")
    deadline = serializers.DateField(source="round.deadline")
    unit_code = serializers.CharField(source="org_unit.code")

    class Meta:
        model = UnitReport
        fields = ["id", "plan", "period", "deadline", "unit_code", "status", "submitted_at", "decided_at",
                  "return_reason"]


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Unit reports of the caller's units; submit, approve, return."""

    required_capability = "plans.view_plan"
    action_capabilities = {"submit": "plans.report", "approve": "plans.manage_plan", "send_back": "plans.manage_plan"}
    serializer_class = ReportSerializer

    def get_queryset(self):
        return (UnitReport.objects.visible_to(self.request.user)
                .select_related("round", "round__plan", "org_unit").order_by("pk"))

    def _decide(self, function, **kwargs):
        report = self.get_object()
        try:
            report = function(report, acting_user=self.request.user, **kwargs)
        except DjangoValidationError as exc:
            raise _errors(exc) from None
        return Response(ReportSerializer(report).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._decide(actions.do_submit_report)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(actions.do_approve_report)

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def send_back(self, request, pk=None):
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._decide(actions.do_return_report, reason=data.validated_data["reason"])
