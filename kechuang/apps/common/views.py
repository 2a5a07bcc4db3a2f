"""Generic views: every page declares who may open it, lists share one shape.

Every view a URL points to carries ``required_capability``:

- ``PUBLIC``: anyone, signed in or not;
- ``SIGNED_IN``: any signed-in user;
- a capability of ``accounts.roles.CAPABILITIES``: users holding a role that grants it.

``tests/test_permission_matrix.py`` fails on a URL whose view declares nothing.
"""

from __future__ import annotations

import datetime
import decimal
import io
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from . import navigation

PUBLIC = "public"
SIGNED_IN = "signed_in"


def check_access(user, required_capability: str | None) -> None:
    """Raise PermissionDenied unless the user may use a view that needs the capability."""
    if required_capability is None:
        raise PermissionDenied("view declares no required_capability")
    if required_capability == PUBLIC:
        return
    if not user.is_authenticated:
        raise PermissionDenied
    if required_capability == SIGNED_IN:
        return
    if not user.has_capability(required_capability):
        raise PermissionDenied


class CapabilityRequiredMixin(AccessMixin):
    """Anonymous users go to the login page; signed-in users without the capability get 403."""

    required_capability: str | None = None

    def dispatch(self, request, *args, **kwargs):
        if self.required_capability != PUBLIC and not request.user.is_authenticated:
            return self.handle_no_permission()
        check_access(request.user, self.required_capability)
        return super().dispatch(request, *args, **kwargs)


class PageMixin(CapabilityRequiredMixin):
    """A page in the work area: a title and breadcrumbs."""

    title: Any = ""

    def get_title(self) -> str:
        return str(self.title)

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [(self.get_title(), None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.get_title()
        context["breadcrumbs"] = self.get_breadcrumbs()
        return context


class HomeView(PageMixin, TemplateView):
    """Each role's home: what the user holds, and the modules it can open."""

    required_capability = SIGNED_IN
    template_name = "common/home.html"
    title = gettext_lazy("Home")

    def get_breadcrumbs(self):
        return []  # base.html always starts the trail with Home

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["assignments"] = user.role_assignments()
        context["modules"] = navigation.items_for(user)
        for block in navigation.home_blocks():
            context.update(block(user))
        return context


class PublicHomeView(TemplateView):
    """The landing page for visitors who are not signed in."""

    required_capability = PUBLIC
    template_name = "common/public_home.html"


@dataclass(frozen=True)
class Column:
    """One column of a list page and of its Excel export."""

    accessor: str  # attribute path: "parent.name", or a method name on the object
    header: Any  # lazily translated header
    sort: str | None = None  # ORM ordering field, None when not sortable
    link: bool = False  # link the cell to the object's get_absolute_url()

    def value(self, obj):
        value = obj
        for part in self.accessor.split("."):
            if value is None:
                return None
            display = getattr(value, f"get_{part}_display", None)
            value = display() if callable(display) else getattr(value, part, None)
            if callable(value):
                value = value()
        return value


class ObjectListView(PageMixin, ListView):
    """A list a person works through: filter bar, sortable table, paging, Excel export.

    The queryset comes from ``Model.objects.visible_to(user)``; the same FilterSet serves
    the page, its export and the API.
    """

    template_name = "common/object_list.html"
    filterset_class = None
    columns: list[Column] = []
    paginate_by = 50
    default_sort = ""
    export_name = "export"
    create_url_name: str | None = None
    create_capability: str | None = None

    def base_queryset(self):
        return self.model.objects.visible_to(self.request.user)

    def get_queryset(self):
        queryset = self.base_queryset()
        self.filterset = None
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(
                self.request.GET or None, queryset=queryset, request=self.request
            )
            queryset = self.filterset.qs if self.filterset.is_bound else queryset
        sort = self.request.GET.get("sort", self.default_sort)
        allowed = {c.sort for c in self.columns if c.sort}
        if sort.lstrip("-") in allowed:
            queryset = queryset.order_by(sort)
            self.sort = sort
        else:
            self.sort = ""
        return queryset

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            return self.export_xlsx()
        return super().get(request, *args, **kwargs)

    def export_xlsx(self) -> HttpResponse:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(self.get_title()[:31] or "Sheet1")
        header = []
        for column in self.columns:
            header.append(str(column.header))
        sheet.append(header)
        for obj in self.get_queryset().iterator(chunk_size=2000):
            sheet.append([excel_value(column.value(obj)) for column in self.columns])
        buffer = io.BytesIO()
        workbook.save(buffer)
        del Font  # header styling needs non-write-only mode; plain header is enough
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{self.export_name}-{stamp}.xlsx"'
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filterset"] = self.filterset
        context["columns"] = self.columns
        context["sort"] = self.sort
        context["rows"] = [
            (obj, [(c, cell_text(c.value(obj))) for c in self.columns]) for obj in context["object_list"]
        ]
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_without_page"] = query.urlencode()
        query.pop("sort", None)
        context["query_without_sort"] = query.urlencode()
        if self.create_url_name and self.request.user.has_capability(
            self.create_capability or self.required_capability
        ):
            context["create_url_name"] = self.create_url_name
        return context


def cell_text(value):
    """A list page's cell: lists joined the Chinese way, times in local time."""
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    return value


def excel_value(value):
    """A cell value openpyxl can write: text for choices and objects, dates as dates."""
    if isinstance(value, bool):  # before int: bool is a kind of int
        return _("Yes") if value else _("No")
    if isinstance(value, decimal.Decimal):
        # A number cell: whole values as integers; two-decimal money stays exact through
        # a float (15 significant digits: amounts below 10 trillion yuan).
        return int(value) if value == value.to_integral_value() else float(value)
    if value is None or isinstance(value, (int, float, datetime.date)):
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            return timezone.localtime(value).replace(tzinfo=None)
        return value
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return str(value)


class ActionFormView(PageMixin, FormView):
    """A form page whose valid submission calls one action.

    ``perform(form)`` calls the ``do_*`` action and returns the URL to go to; a
    ValidationError from the action is shown on the form, which keeps what was typed.
    """

    template_name = "common/form.html"
    success_message: Any = ""
    submit_label: Any = gettext_lazy("Save")

    def perform(self, form) -> str:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def form_valid(self, form):
        try:
            url = self.perform(form)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):  # field errors go next to their fields
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                for message in exc.messages:
                    form.add_error(None, message)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, str(self.success_message))
        return HttpResponseRedirect(url)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["submit_label"] = self.submit_label
        return context


class RootView(View):
    """``/``: the signed-in user's home, or the public landing page."""

    required_capability = PUBLIC

    def get(self, request):
        if request.user.is_authenticated:
            return HttpResponseRedirect(reverse("common:home"))
        return PublicHomeView.as_view()(request)
