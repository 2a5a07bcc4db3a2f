"""API of the fair competition review: /api/review/…, the same checks as the pages.

- ``documents/``: list, retrieve and create (JSON with ``text``, or multipart with ``file``);
- ``documents/{id}/findings/``: the findings of the latest review (``?run=N`` for an earlier one);
- ``documents/{id}/decide/``: POST ``{"finding": id, "decision": "confirm"|"dismiss", "reason": "…"}``;
- ``check/``: POST ``{"text": "…"}`` → the findings, nothing stored (for machine clients).

Bad input answers 400 with the message next to its field (``text``, ``file``, …) and a
machine-readable ``code`` where the engine gave one (``empty``, ``unsupported_type``, …).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from kechuang.apps.accounts.models import OrgUnit
from kechuang.engine import review as engine

from .. import actions
from ..access import access_document, access_finding
from ..analysis import analyse_text
from ..filtersets import DocumentFilterSet
from ..models import Document
from .serializers import (
    CheckResultSerializer,
    CheckSerializer,
    DecisionSerializer,
    DocumentCreateSerializer,
    DocumentDetailSerializer,
    DocumentSerializer,
    FindingSerializer,
)

VIEW, MANAGE = "review.view_document", "review.manage_document"


class ReadableParseErrors:
    """A body that cannot be parsed is a 400 ``parse_error`` in the caller's language."""

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.ParseError):
            exc = exceptions.ParseError(_("The request body cannot be read: it is not valid JSON or form data."))
        return super().handle_exception(exc)


def _api_error(exc: DjangoValidationError) -> serializers.ValidationError:
    body: dict = {}
    code = None
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            name = {"org_unit": "drafting_unit_code", "__all__": "non_field_errors"}.get(field, field)
            body[name] = [m for e in errors for m in e.messages]
            code = code or next((e.code for e in errors if e.code), None)
    else:
        body["non_field_errors"] = exc.messages
        code = getattr(exc, "code", None)
    if code:
        body["code"] = code
    return serializers.ValidationError(body)


class DocumentViewSet(ReadableParseErrors, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Normative documents drafted by the caller's units and the units below them."""

    required_capability = VIEW
    action_capabilities = {"create": MANAGE, "decide": MANAGE}
    filterset_class = DocumentFilterSet
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return Document.objects.visible_to(self.request.user).select_related("org_unit").order_by("-created_at", "-id")

    def get_serializer_class(self):
        if self.action == "create":
            return DocumentCreateSerializer
        if self.action == "retrieve":
            return DocumentDetailSerializer
        if self.action == "findings":
            return FindingSerializer
        if self.action == "decide":
            return DecisionSerializer
        return DocumentSerializer

    @extend_schema(request=DocumentCreateSerializer, responses={201: DocumentDetailSerializer})
    def create(self, request, *args, **kwargs):
        serializer = DocumentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        code = data["drafting_unit_code"].strip()
        unit = OrgUnit.objects.visible_to(request.user, MANAGE).filter(code=code).first()
        if unit is None:
            raise serializers.ValidationError(
                {"drafting_unit_code": [_("No unit with the code %(code)s in your units.") % {"code": code}]})
        try:
            document = actions.do_create_document(
                acting_user=request.user, title=data["title"], number=data["number"], org_unit=unit,
                status=data["status"], drafted_on=data["drafted_on"], published_on=data["published_on"],
                text=data["text"] or None, upload=data["file"])
        except DjangoValidationError as exc:
            raise _api_error(exc) from None
        return Response(DocumentDetailSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=FindingSerializer(many=True),
                   parameters=[OpenApiParameter("run", int, description="a run number; the latest by default")])
    @action(detail=True, methods=["get"])
    def findings(self, request, pk=None):
        """The findings of the document's latest review (or of run ``?run=N``), in document order."""
        document = self.get_object()
        runs = document.runs.all()
        wanted = request.query_params.get("run")
        if wanted:
            try:
                run = runs.get(number=int(wanted))
            except (ValueError, document.runs.model.DoesNotExist):
                raise Http404 from None
        else:
            run = document.latest_run()
        findings = run.findings.select_related("run", "decided_by").order_by("position") if run else []
        return Response(FindingSerializer(findings, many=True).data)

    @extend_schema(request=DecisionSerializer, responses=FindingSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Confirm or dismiss one finding of the latest review, with a reason."""
        document = access_document(request.user, pk, MANAGE)
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        finding = access_finding(request.user, document, data["finding"])
        try:
            finding = actions.do_decide_finding(finding, acting_user=request.user, decision=data["decision"],
                                                reason=data["reason"])
        except DjangoValidationError as exc:
            raise _api_error(exc) from None
        return Response(FindingSerializer(finding).data)


class CheckView(ReadableParseErrors, APIView):
    """Review a text without storing anything: POST ``{"text": "…"}`` → the findings."""

    required_capability = VIEW
    parser_classes = [JSONParser]

    @extend_schema(request=CheckSerializer, responses=CheckResultSerializer)
    def post(self, request):
        serializer = CheckSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            result = analyse_text(data["text"])
        except engine.ReviewError as error:
            raise serializers.ValidationError({"text": [error.message], "code": error.code}) from None
        order = {"violation": 0, "suspect": 1, "note": 2}
        findings = [f for f in result.findings if order[f.level] <= order[data["min_level"]]]
        counts = {level: sum(1 for f in findings if f.level == level) for level in order}
        return Response({"count": len(findings), "counts": counts, "findings": engine.findings_to_dicts(findings)})
