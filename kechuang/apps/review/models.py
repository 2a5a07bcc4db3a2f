"""Normative documents (规范性文件) and their fair competition reviews (公平竞争审查).

A document belongs to its drafting unit; a bureau sees the documents of its units and
those below. Each review of the document's text is a ``ReviewRun`` with its findings, as
the engine (``kechuang.engine.review``) reported them; the reviewer confirms or dismisses
each finding, with a reason. A revised text is reviewed again in a new run: the runs keep
the history, and a decision carries over to the same finding on the same clause.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kechuang.apps.accounts.models import OrgUnit, unit_scope
from kechuang.apps.common.models import TrackedModel

#: the order of levels, strongest first (as the engine's LEVELS)
LEVEL_ORDER = {"violation": 0, "suspect": 1, "note": 2}


class DocumentQuerySet(models.QuerySet):
    def visible_to(self, user, capability: str = "review.view_document") -> DocumentQuerySet:
        """Documents drafted by the user's units and the units below them."""
        condition = unit_scope(user, capability, "org_unit")
        return self.all() if condition is None else self.filter(condition)


class Document(TrackedModel):
    """One normative document, from its draft to its repeal."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        UNDER_REVIEW = "under_review", _("Under review")
        PUBLISHED = "published", _("Published")
        PROPOSED_REPEAL = "proposed_repeal", _("Proposed for repeal")
        REPEALED = "repealed", _("Repealed")

    class Source(models.TextChoices):
        TEXT = "text", _("Pasted text")
        DOCX = "docx", _("Word document (.docx)")
        PDF = "pdf", _("PDF")
        TXT = "txt", _("Text file (.txt)")

    title = models.CharField(_("title"), max_length=300)
    number = models.CharField(_("document number"), max_length=100, blank=True,
                              help_text=_("As written on the document, e.g. 乌海政办发〔2022〕26号."))
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("drafting unit"), on_delete=models.PROTECT,
                                 related_name="review_documents")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    drafted_on = models.DateField(_("drafted on"), null=True, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    repealed_on = models.DateField(_("repealed on"), null=True, blank=True)
    source = models.CharField(_("read from"), max_length=10, choices=Source.choices, default=Source.TEXT)
    file = models.FileField(_("file"), upload_to="review/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True,
                                 help_text=_("The name the file was uploaded with."))
    text = models.TextField(_("text"), blank=True)
    # The latest run's figures, kept by the actions (list columns, filters, export).
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    violation_count = models.PositiveIntegerField(_("violations"), default=0)
    suspect_count = models.PositiveIntegerField(_("suspected"), default=0)
    note_count = models.PositiveIntegerField(_("notes"), default=0)
    open_count = models.PositiveIntegerField(_("undecided"), default=0,
                                             help_text=_("Violations and suspected findings not yet decided."))
    confirmed_count = models.PositiveIntegerField(_("confirmed"), default=0)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("normative document")
        verbose_name_plural = _("normative documents")

    def __str__(self) -> str:
        return f"{self.title}（{self.number}）" if self.number else self.title

    def get_absolute_url(self) -> str:
        return reverse("review:document_detail", args=[self.pk])

    def latest_run(self) -> ReviewRun | None:
        return self.runs.order_by("-number").first()


class ReviewRun(models.Model):
    """One review of a document's text by the engine: what was read, and what it found.

    ``paragraphs`` is the text as the engine read it, for the page that shows it beside
    the findings: ``[{"line": 3, "page": null, "clauses": [[index, text, heading], …]}, …]``
    where ``index`` is the clause's position in the document (a finding's ``clause_index``).
    """

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="runs")
    number = models.PositiveIntegerField(_("run"))
    created_at = models.DateTimeField(_("reviewed at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("reviewed by"))
    source = models.CharField(_("read from"), max_length=10, choices=Document.Source.choices)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file = models.FileField(_("file"), upload_to="review/%Y/%m/", blank=True)
    chars = models.PositiveIntegerField(_("characters"), default=0)
    clause_count = models.PositiveIntegerField(_("clauses"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)
    paragraphs = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["document", "-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="one_review_run_number_per_document")]
        verbose_name = _("review run")
        verbose_name_plural = _("review runs")

    def __str__(self) -> str:
        return f"{self.document} #{self.number}"


class Finding(models.Model):
    """A clause that may breach 《公平竞争审查条例》 第八条–第十一条, and the reviewer's decision."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Not decided")
        CONFIRMED = "confirmed", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")

    class Level(models.TextChoices):
        VIOLATION = "violation", pgettext_lazy("finding level", "Violation")
        SUSPECT = "suspect", pgettext_lazy("finding level", "Suspected")
        NOTE = "note", pgettext_lazy("finding level", "Note")

    run = models.ForeignKey(ReviewRun, on_delete=models.CASCADE, related_name="findings")
    position = models.PositiveIntegerField(default=0)
    clause_index = models.PositiveIntegerField(null=True, blank=True)
    clause = models.TextField(_("clause"))
    location = models.JSONField(_("location"), default=dict)
    article = models.CharField(_("article"), max_length=10)
    item = models.CharField(_("item"), max_length=10)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    title = models.CharField(_("finding"), max_length=200, blank=True)
    reason = models.TextField(_("reason"))
    evidence = models.JSONField(_("evidence"), default=dict)
    regulation_text = models.TextField(_("text of the regulation"), blank=True)
    exception_prompt = models.TextField(_("Article 12 prompt"), blank=True)
    context = models.TextField(_("lead-in"), blank=True)
    rule = models.CharField(_("rule"), max_length=60, blank=True)
    rules = models.JSONField(default=list, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The finding of an earlier run whose decision this one kept (same clause, article, item).
    carried_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["run", "position"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return f"{self.run.document.title} · {self.article}{self.item} · {self.clause[:40]}"

    @property
    def counted(self) -> bool:
        """Violations and suspected findings count; notes are prompts."""
        return self.level in (self.Level.VIOLATION, self.Level.SUSPECT)

    @property
    def level_zh(self) -> str:
        return {"violation": "违反", "suspect": "疑似", "note": "提示"}[self.level]

    def location_label(self) -> str:
        from kechuang.engine.review import Location

        known = {k: v for k, v in (self.location or {}).items() if k in Location.__slots__}
        return Location(**known).label()
