"""Plans in the database: definitions loaded from ``data/plans`` and the values reported on them.

The YAML files stay the source. A load (:class:`PlanLoad`) keeps each file's text and
SHA-256, and the catalogue's, so the engine's plan can be rebuilt exactly as loaded; the
tables below (plans, indicators, targets, tasks, responsibilities) are the searchable copy.

Values (:class:`Value`) are never overwritten once known: a revision or an override adds a
row with its own ``known_at``, the reason and who made it, and keeps the old one, so an
evaluation "as of" any date reproduces what was known then.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kechuang.apps.accounts.models import OrgUnit, unit_scope
from kechuang.apps.common.models import TrackedModel


class PlanLoad(models.Model):
    """One load of the plan folder: the catalogue's text and every file's hash."""

    loaded_at = models.DateTimeField(_("loaded at"), default=timezone.now)
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    folder = models.CharField(_("folder"), max_length=200, blank=True)  # the folder's name only
    catalogue_text = models.TextField(blank=True)
    catalogue_sha256 = models.CharField(max_length=64, blank=True)
    files = models.JSONField(default=dict)  # file name → sha256

    class Meta:
        ordering = ["-loaded_at"]

    def __str__(self) -> str:
        return f"{self.folder} {self.loaded_at:%Y-%m-%d %H:%M}"


class CatalogueEntry(models.Model):
    """An indicator several plans share (``catalogue.yaml``): reported or computed once."""

    code = models.CharField(_("code"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit of measure"), max_length=20, blank=True)
    direction = models.CharField(_("direction"), max_length=10, default="higher")
    method = models.CharField(_("method"), max_length=10, default="reported")
    computation = models.CharField(_("computation"), max_length=80, blank=True)
    definition = models.TextField(_("definition"), blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user, capability: str = "plans.view_plan") -> PlanQuerySet:
        """Plans of the user's units: the plan's place, or a unit responsible for a line of
        it, lies in the user's units. A plan that names no place is the region's."""
        if not user.is_authenticated:
            return self.none()
        condition = unit_scope(user, capability, "org_unit", "responsibilities__org_unit")
        if condition is None:
            return self.all()
        if any(path.count("/") <= 2 for path in user.scope_paths(capability)):
            condition |= Q(org_unit__isnull=True)
        # a subquery, not join + DISTINCT: DISTINCT compared every column (the YAML text
        # included) over one joined row per responsibility, thousands for a decomposed plan
        return self.filter(pk__in=Plan.objects.filter(condition).values("pk"))

    def published(self) -> PlanQuerySet:
        return self.filter(published=True)


class Plan(TrackedModel):
    """A plan (规划、行动方案、实施意见、年度工作要点) as loaded from its YAML file."""

    code = models.CharField(_("code"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20)
    document_status = models.CharField(_("document status"), max_length=20)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("place"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="plans")
    owner_unit = models.ForeignKey(OrgUnit, verbose_name=_("monitoring unit"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="owned_plans")
    owner_name = models.CharField(_("monitoring unit as written"), max_length=200, blank=True)
    period_start = models.PositiveSmallIntegerField(_("period start"))
    period_end = models.PositiveSmallIntegerField(_("period end"))
    file_name = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    version = models.PositiveIntegerField(_("version"), default=1)
    yaml_text = models.TextField()
    load = models.ForeignKey(PlanLoad, on_delete=models.PROTECT, related_name="plans")
    in_source = models.BooleanField(_("in the plan folder"), default=True)
    published = models.BooleanField(_("published"), default=False)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("plans:plan_detail", args=[self.pk])

    @property
    def period(self) -> str:
        return f"{self.period_start}–{self.period_end}"


class IndicatorQuerySet(models.QuerySet):
    def visible_to(self, user, capability: str = "plans.view_plan") -> IndicatorQuerySet:
        """Indicators of the plans the user sees; a unit that only answers for some lines
        of a plan (a reporter) sees those lines."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        paths = user.scope_paths(capability)
        condition = Q(pk__in=[])
        for path in paths:
            condition |= Q(plan__org_unit__path__startswith=path)
            condition |= Q(responsibilities__org_unit__path__startswith=path)
        if any(path.count("/") <= 2 for path in paths):
            condition |= Q(plan__org_unit__isnull=True)
        return self.filter(condition).distinct()


class Indicator(models.Model):
    """One indicator line of a plan."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("code"), max_length=80)
    order = models.PositiveIntegerField(default=0)
    name = models.CharField(_("name"), max_length=300)
    unit = models.CharField(_("unit of measure"), max_length=20, blank=True)
    report_unit = models.CharField(_("reported in"), max_length=20, blank=True)
    series = models.CharField(_("series"), max_length=170, db_index=True)
    catalogue = models.ForeignKey(CatalogueEntry, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="indicators")
    direction = models.CharField(_("direction"), max_length=10, default="higher")
    kind = models.CharField(_("kind"), max_length=10, default="expected")
    value_type = models.CharField(_("value type"), max_length=10, default="level")
    chapter = models.CharField(_("chapter"), max_length=20, blank=True)
    chapter_title = models.CharField(_("chapter title"), max_length=200, blank=True)
    method = models.CharField(_("method"), max_length=10, default="reported")
    computation = models.CharField(_("computation"), max_length=80, blank=True)
    frequency = models.CharField(_("frequency"), max_length=10, default="year")
    # quarterly reports: "ytd" (1–n季度累计, year to date) or "quarter" (当季, the quarter alone)
    basis = models.CharField(_("quarterly basis"), max_length=10, blank=True)
    lead_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lead_name = models.CharField(_("lead unit as written"), max_length=200, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    baseline_value = models.FloatField(_("baseline value"), null=True, blank=True)
    quote = models.TextField(_("source text"), blank=True)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="plans_one_indicator_code_per_plan")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("plans:indicator_detail", args=[self.pk])


class Target(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.FloatField(_("value"), null=True, blank=True)
    upper = models.FloatField(_("upper bound"), null=True, blank=True)
    comparator = models.CharField(_("comparator"), max_length=10, default=">=")
    rule = models.CharField(_("rule"), max_length=20, blank=True)

    class Meta:
        ordering = ["indicator", "year"]

    def __str__(self) -> str:
        value = "" if self.value is None else f"{self.value:g}"
        return f"{self.year} {self.comparator} {value} {self.rule}".strip()


class Task(models.Model):
    """重点任务 of a plan."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks")
    number = models.CharField(_("number"), max_length=20)
    order = models.PositiveIntegerField(default=0)
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"), blank=True)
    chapter = models.CharField(_("chapter"), max_length=20, blank=True)
    lead_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    deadline = models.DateField(_("deadline"), null=True, blank=True)

    class Meta:
        ordering = ["plan", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plans_one_task_number_per_plan")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Responsibility(models.Model):
    """A unit answerable for an indicator (lead, or a part of a decomposed target) or a task.

    ``value_unit``: whose value the unit reports (the plan's place for the lead of an
    indicator, the unit itself for its part); empty when the unit reports no value.
    """

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        PARTICIPANT = "participant", _("Participant")
        PART = "part", _("Decomposed part")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="responsibilities")
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="responsibilities")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.CASCADE, related_name="responsibilities")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="plan_responsibilities")
    value_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    name = models.CharField(_("as written"), max_length=200, blank=True)
    target_value = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "pk"]

    def __str__(self) -> str:
        return f"{self.org_unit_id} {self.role} {self.indicator_id or ''}{self.task_id or ''}"


# --- reporting ----------------------------------------------------------------------


class RoundQuerySet(models.QuerySet):
    def visible_to(self, user, capability: str = "plans.view_plan") -> RoundQuerySet:
        return self.filter(plan__in=Plan.objects.visible_to(user, capability))


class Round(TrackedModel):
    """A reporting round: a plan's values for a year or a quarter, due by a deadline."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", pgettext_lazy("round status", "Closed")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="rounds")
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), default=0)  # 0 = the whole year
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-quarter"]
        constraints = [models.UniqueConstraint(fields=["plan", "year", "quarter"], name="plans_one_round_per_period")]

    def __str__(self) -> str:
        return f"{self.plan.title} {self.period_label}"

    @property
    def period(self) -> str:
        return f"{self.year}Q{self.quarter}" if self.quarter else str(self.year)

    @property
    def period_label(self) -> str:
        return f"{self.year}年第{self.quarter}季度" if self.quarter else f"{self.year}年度"

    def get_absolute_url(self) -> str:
        return reverse("plans:round_detail", args=[self.pk])


class UnitReportQuerySet(models.QuerySet):
    def visible_to(self, user, capability: str = "plans.view_plan") -> UnitReportQuerySet:
        """A unit's report: seen by the unit and those above it, and by the plan's bureau."""
        if not user.is_authenticated:
            return self.none()
        condition = unit_scope(user, capability, "org_unit", "round__plan__org_unit")
        return self.all() if condition is None else self.filter(condition).distinct()


class UnitReport(TrackedModel):
    """One responsible unit's report in a round: its values and its tasks' progress."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="reports")
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT,
                                 related_name="plan_reports")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    return_reason = models.TextField(_("reason for return"), blank=True)

    objects = UnitReportQuerySet.as_manager()

    class Meta:
        ordering = ["round", "org_unit__code"]
        constraints = [models.UniqueConstraint(fields=["round", "org_unit"], name="plans_one_report_per_unit")]

    def __str__(self) -> str:
        return f"{self.round} — {self.org_unit.name}"

    def get_absolute_url(self) -> str:
        return reverse("plans:report_detail", args=[self.pk])

    @property
    def editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED) and self.round.status == Round.Status.OPEN

    @property
    def overdue(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED) and self.round.deadline < timezone.localdate()


class ValueQuerySet(models.QuerySet):
    def visible_to(self, user, capability: str = "plans.view_plan") -> ValueQuerySet:
        if not user.is_authenticated:
            return self.none()
        condition = unit_scope(user, capability, "org_unit", "indicator__plan__org_unit")
        return self.all() if condition is None else self.filter(condition).distinct()

    def known(self) -> ValueQuerySet:
        """Values the evaluation reads: approved, computed, overridden or demo ones."""
        return self.filter(known_at__isnull=False)


class Value(models.Model):
    """One value of a series for one org unit and period, and when it became known.

    Rows are added, never changed once known: a revision is a new row that names the one it
    ``supersedes`` and says why.
    """

    class Kind(models.TextChoices):
        REPORTED = "reported", _("Reported")
        COMPUTED = "computed", _("Computed")
        OVERRIDE = "override", _("Manual override")
        REVISION = "revision", _("Revision")
        DEMO = "demo", _("Demo")

    series = models.CharField(_("series"), max_length=170)
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.SET_NULL, related_name="values")
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), default=0)
    value = models.FloatField(_("value"))
    source_note = models.CharField(_("source"), max_length=300, blank=True)
    attachment = models.FileField(_("attachment"), upload_to="plans/attachments/%Y/", blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REPORTED)
    report = models.ForeignKey(UnitReport, null=True, blank=True, on_delete=models.CASCADE, related_name="values")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)
    known_at = models.DateTimeField(_("known at"), null=True, blank=True, db_index=True)
    reason = models.TextField(_("reason"), blank=True)
    supersedes = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    provenance = models.JSONField(_("provenance"), default=dict, blank=True)

    objects = ValueQuerySet.as_manager()

    class Meta:
        ordering = ["series", "org_unit", "year", "quarter", "known_at"]
        indexes = [models.Index(fields=["series", "org_unit", "year", "quarter"], name="plans_value_key")]

    def __str__(self) -> str:
        return f"{self.series} {self.org_unit_id} {self.period} = {self.value:g}"

    @property
    def period(self) -> str:
        return f"{self.year}Q{self.quarter}" if self.quarter else str(self.year)


class TaskReport(models.Model):
    """A lead unit's progress on a task in its report."""

    class State(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DELAYED = "delayed", _("Delayed")

    report = models.ForeignKey(UnitReport, on_delete=models.CASCADE, related_name="task_reports")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reports")
    state = models.CharField(_("state"), max_length=15, choices=State.choices, default=State.NOT_STARTED)
    percent = models.PositiveSmallIntegerField(_("percent done"), default=0)
    note = models.TextField(_("progress note"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["report", "task__order"]
        constraints = [models.UniqueConstraint(fields=["report", "task"], name="plans_one_task_report")]

    def __str__(self) -> str:
        return f"{self.task_id} {self.state} {self.percent}%"


class RevisionRequestQuerySet(models.QuerySet):
    def visible_to(self, user, capability: str = "plans.view_plan") -> RevisionRequestQuerySet:
        """Seen by the requesting unit and those above it, and by the plan's bureau."""
        if not user.is_authenticated:
            return self.none()
        condition = unit_scope(user, capability, "report__org_unit", "value__indicator__plan__org_unit")
        return self.all() if condition is None else self.filter(condition).distinct()


class RevisionRequest(models.Model):
    """A unit asks to correct a value the bureau approved (and so locked).

    The bureau approves (the value opens for re-entry by the unit) or refuses, each with
    who and when. The re-entered value is a new :class:`Value` row (kind ``revision``)
    that supersedes the old one, which stays; the request names both.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the bureau")
        APPROVED = "approved", _("Approved, open for re-entry")
        REFUSED = "refused", _("Refused")
        DONE = "done", _("Revised")

    value = models.ForeignKey(Value, verbose_name=_("value"), on_delete=models.PROTECT,
                              related_name="revision_requests")
    report = models.ForeignKey(UnitReport, on_delete=models.CASCADE, related_name="revision_requests")
    reason = models.TextField(_("reason for the revision"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    revised = models.ForeignKey(Value, verbose_name=_("revised value"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")

    objects = RevisionRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.value} — {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("plans:revision_detail", args=[self.pk])
