"""Pages of the fair competition review: the document registry, a document's text beside
its findings, decisions, status changes, and the review opinion as .docx and PDF."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from kechuang.apps.accounts.models import OrgUnit
from kechuang.apps.common.views import (
    ActionFormView,
    CapabilityRequiredMixin,
    Column,
    ObjectListView,
    PageMixin,
)

from . import actions, forms
from .access import access_document, access_finding
from .filtersets import DocumentFilterSet
from .models import LEVEL_ORDER, Document, Finding

VIEW, MANAGE = "review.view_document", "review.manage_document"


class DocumentListView(ObjectListView):
    required_capability = VIEW
    template_name = "review/document_list.html"
    model = Document
    filterset_class = DocumentFilterSet
    title = gettext_lazy("Fair competition review")
    export_name = "normative-documents"
    create_url_name = "review:document_create"
    create_capability = MANAGE
    default_sort = "-created_at"
    columns = [
        Column("number", gettext_lazy("Document number"), sort="number"),
        Column("title", gettext_lazy("Title"), sort="title", link=True),
        Column("org_unit.name", gettext_lazy("Drafting unit")),
        Column("status", gettext_lazy("Status"), sort="status"),
        Column("published_on", gettext_lazy("Published on"), sort="published_on"),
        Column("violation_count", gettext_lazy("Violations"), sort="violation_count"),
        Column("suspect_count", gettext_lazy("Suspected"), sort="suspect_count"),
        Column("open_count", gettext_lazy("Undecided"), sort="open_count"),
        Column("confirmed_count", gettext_lazy("Confirmed"), sort="confirmed_count"),
        Column("reviewed_at", gettext_lazy("Reviewed at"), sort="reviewed_at"),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("org_unit")


class DocumentMixin:
    """Pages about one document: fetched through ``access_document`` (404 outside one's units)."""

    def get_document(self) -> Document:
        if not hasattr(self, "_document"):
            self._document = access_document(self.request.user, self.kwargs["pk"], self.required_capability)
        return self._document

    def get_breadcrumbs(self):
        document = self.get_document()
        return [(_("Fair competition review"), reverse("review:document_list")),
                (document.title, document.get_absolute_url()), (self.get_title(), None)]


class ManagedUnits:
    def units(self):
        return OrgUnit.objects.visible_to(self.request.user, MANAGE).active()


class DocumentCreateView(ManagedUnits, ActionFormView):
    """Register a document by uploading it or pasting its text; it is reviewed at once."""

    required_capability = MANAGE
    form_class = forms.DocumentCreateForm
    template_name = "review/document_form.html"
    title = gettext_lazy("New normative document")
    submit_label = gettext_lazy("Save and review")
    success_message = gettext_lazy("The document has been registered and reviewed.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "units": self.units()}

    def get_initial(self):
        unit = self.units().filter(kind=OrgUnit.Kind.DEPARTMENT).first()
        return {"org_unit": unit} if unit else {}

    def get_breadcrumbs(self):
        return [(_("Fair competition review"), reverse("review:document_list")), (self.get_title(), None)]

    def perform(self, form) -> str:
        data = form.cleaned_data
        document = actions.do_create_document(
            acting_user=self.request.user, title=data["title"], number=data["number"], org_unit=data["org_unit"],
            status=data["status"], drafted_on=data["drafted_on"], published_on=data["published_on"],
            text=data["text"] or None, upload=data["file"] or None)
        return document.get_absolute_url()


class DocumentDetailView(PageMixin, DocumentMixin, TemplateView):
    """The document's text on the left, its findings on the right, flagged clauses marked."""

    required_capability = VIEW
    template_name = "review/document_detail.html"

    def get_title(self) -> str:
        return self.get_document().title

    def get_breadcrumbs(self):
        return [(_("Fair competition review"), reverse("review:document_list")), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        document = self.get_document()
        user = self.request.user
        run = document.latest_run()
        findings = list(run.findings.select_related("decided_by").order_by("position")) if run else []
        marks: dict[int, list[tuple[int, Finding]]] = {}
        for number, finding in enumerate(findings, 1):
            finding.number = number
            if finding.clause_index is not None:
                marks.setdefault(finding.clause_index, []).append((number, finding))
        paragraphs = []
        for paragraph in (run.paragraphs if run else []):
            clauses = []
            for index, text, heading in paragraph["clauses"]:
                refs = marks.get(index, [])
                level = min((f.level for _n, f in refs), key=LEVEL_ORDER.get) if refs else ""
                clauses.append({"index": index, "text": text, "heading": heading, "level": level,
                                "refs": [(n, f.pk) for n, f in refs]})
            paragraphs.append({"page": paragraph.get("page"), "clauses": clauses,
                               "heading": all(c["heading"] for c in clauses)})
        can_manage = (user.has_capability(MANAGE)
                      and Document.objects.visible_to(user, MANAGE).filter(pk=document.pk).exists())
        context.update(
            document=document, run=run, findings=findings, paragraphs=paragraphs,
            runs=document.runs.select_related("created_by").order_by("-number"),
            can_manage=can_manage,
            can_decide=can_manage and document.status != Document.Status.REPEALED,
            can_revise=can_manage and document.status in actions.REVISABLE_STATUSES,
            can_change_status=can_manage and bool(actions.TRANSITIONS[document.status]),
            counted=[f for f in findings if f.counted],
        )
        return context


class DocumentEditView(ManagedUnits, DocumentMixin, ActionFormView):
    required_capability = MANAGE
    form_class = forms.DocumentEditForm
    title = gettext_lazy("Edit particulars")
    success_message = gettext_lazy("The document has been saved.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "units": self.units()}

    def get_initial(self):
        document = self.get_document()
        return {name: getattr(document, name) for name in [*actions.EDITABLE_FIELDS, "org_unit"]}

    def perform(self, form) -> str:
        data = dict(form.cleaned_data)
        document = actions.do_update_document(self.get_document(), acting_user=self.request.user,
                                              org_unit=data.pop("org_unit"), **data)
        return document.get_absolute_url()


class DocumentReviseView(DocumentMixin, ActionFormView):
    """A revised text of a draft: reviewed again in a new run."""

    required_capability = MANAGE
    form_class = forms.ContentForm
    template_name = "review/document_form.html"
    title = gettext_lazy("Revise the text")
    submit_label = gettext_lazy("Save and review")
    success_message = gettext_lazy("The revised text has been reviewed.")

    def perform(self, form) -> str:
        data = form.cleaned_data
        document = self.get_document()
        actions.do_revise_document(document, acting_user=self.request.user, text=data["text"] or None,
                                   upload=data["file"] or None)
        return document.get_absolute_url()


class DocumentStatusView(DocumentMixin, ActionFormView):
    required_capability = MANAGE
    form_class = forms.StatusForm
    title = gettext_lazy("Change status")
    submit_label = gettext_lazy("Change status")
    success_message = gettext_lazy("The status has been changed.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "document": self.get_document()}

    def perform(self, form) -> str:
        data = form.cleaned_data
        document = actions.do_change_document_status(self.get_document(), acting_user=self.request.user,
                                                      status=data["status"], effective_on=data["effective_on"],
                                                      note=data["note"])
        return document.get_absolute_url()


class DocumentReviewAgainView(CapabilityRequiredMixin, DocumentMixin, View):
    """POST: review the current text again (new rules, a grown entity register)."""

    required_capability = MANAGE
    http_method_names = ["post"]

    def post(self, request, pk):
        document = self.get_document()
        try:
            run = actions.do_review_document_again(document, acting_user=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Reviewed again: run %(number)s.") % {"number": run.number})
        return HttpResponseRedirect(document.get_absolute_url())


class FindingDecisionView(CapabilityRequiredMixin, DocumentMixin, View):
    """POST ``finding``, ``decision`` (confirm/dismiss) and ``reason``."""

    required_capability = MANAGE
    http_method_names = ["post"]

    def post(self, request, pk):
        document = self.get_document()
        form = forms.DecisionForm(request.POST)
        anchor = ""
        if form.is_valid():
            finding = access_finding(request.user, document, form.cleaned_data["finding"])
            anchor = f"#finding-{finding.pk}"
            try:
                actions.do_decide_finding(finding, acting_user=request.user, decision=form.cleaned_data["decision"],
                                          reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("Finding %(number)s: %(decision)s.") % {
                    "number": finding.position + 1, "decision": finding.get_decision_display()})
        else:
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                for error in errors:
                    messages.error(request, f"{label}：{error}" if label else error)
        return HttpResponseRedirect(document.get_absolute_url() + anchor)


class OpinionView(CapabilityRequiredMixin, DocumentMixin, View):
    """The review opinion of the latest run, as a download."""

    required_capability = VIEW
    kind = "docx"

    def get(self, request, pk):
        from . import opinion

        document = self.get_document()
        run = document.latest_run()
        if run is None:
            messages.error(request, _("The document has not been reviewed."))
            return HttpResponseRedirect(document.get_absolute_url())
        if self.kind == "pdf":
            content, content_type = opinion.opinion_pdf(document, run), "application/pdf"
        else:
            content = opinion.opinion_docx(document, run)
            content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        response = HttpResponse(content, content_type=content_type)
        name = f"公平竞争审查意见-{document.number or document.title}"[:120] + f".{self.kind}"
        ascii_name = f"review-opinion-{document.pk}.{self.kind}"
        response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
        return response


class DocumentFileView(CapabilityRequiredMixin, DocumentMixin, View):
    """The uploaded file the current text was read from."""

    required_capability = VIEW

    def get(self, request, pk):
        document = self.get_document()
        if not document.file:
            messages.info(request, _("The text was pasted: there is no file."))
            return HttpResponseRedirect(document.get_absolute_url())
        return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.file_name)


class PolicyFileFindingsView(PageMixin, TemplateView):
    """The findings for every live policy file of the policies module: the benefits' words,
    and any benefit given to an operator named by credit code or name (第十条). Read only:
    a policy file is changed in the policies module, not here."""

    required_capability = VIEW
    template_name = "review/policy_files.html"
    title = gettext_lazy("Policy files under review")

    def get_breadcrumbs(self):
        return [(_("Fair competition review"), reverse("review:document_list")), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        from .analysis import review_live_policy_files

        context = super().get_context_data(**kwargs)
        reviews = review_live_policy_files()
        context["reviews"] = reviews
        context["counted"] = sum(r.counted for r in reviews)
        return context
