"""The registry of innovation entities, their yearly facts and certifications.

The columns follow the one exchange table (docs: ENTITY_COLUMNS, `kechuang.engine.exchange`).
Money is stored in yuan as exact decimals (two places: fen).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kechuang.apps.accounts.models import OrgUnit, unit_scope
from kechuang.apps.accounts.roles import Role
from kechuang.apps.common.models import TrackedModel

MONEY = {"max_digits": 18, "decimal_places": 2, "null": True, "blank": True}
STAFF = {"max_digits": 12, "decimal_places": 2, "null": True, "blank": True}


class EntityQuerySet(models.QuerySet):
    def visible_to(self, user, capability: str = "entities.view_entity") -> EntityQuerySet:
        """Entities in the user's units; an enterprise user sees the entities it belongs to."""
        if not user.is_authenticated:
            return self.none()
        condition = unit_scope(user, capability, "org_unit")
        if condition is None:
            return self.all()
        if user.has_role(Role.ENTERPRISE):
            condition |= Q(members__user=user)
        return self.filter(condition).distinct()


class Entity(TrackedModel):
    """One innovation entity (an enterprise, university, institute …), keyed by its
    unified social credit code. A renamed or moved entity keeps its past in
    ``EntityChange``; a deregistered one keeps its facts."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise")
        UNIVERSITY = "university", _("University")
        INSTITUTE = "institute", _("Research institute")
        SERVICE = "service", _("Service agency")
        OTHER = "other", _("Other")

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ENTERPRISE)
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("division"), on_delete=models.PROTECT,
                                 related_name="entities")
    registered_on = models.DateField(_("registration date"), null=True, blank=True)
    industry_code = models.CharField(_("industry code"), max_length=10, blank=True)
    tech_field = models.CharField(_("high-tech field"), max_length=20, blank=True)
    ownership = models.CharField(_("ownership"), max_length=50, blank=True)
    listed = models.BooleanField(_("listed"), default=False)
    deregistered_on = models.DateField(_("deregistered on"), null=True, blank=True)
    # Tech-SME direct confirmation routes 2 and 4 (国科发政〔2017〕115号 第七条; rules.md §2.5),
    # the platform's own exchange columns: the year of the latest such award / standard.
    national_award_top3_year = models.PositiveSmallIntegerField(
        _("year of the latest national S&T award (among the first three award units)"), null=True, blank=True)
    led_standard_year = models.PositiveSmallIntegerField(
        _("year of the latest international, national or industry standard led"), null=True, blank=True)
    # The expert-judged inputs of the high-tech innovation score (指引 195号), as grades and
    # points keyed like the exchange table (ip_advancement_grade, mgmt_rd_system, …).
    expert_grades = models.JSONField(_("expert-judged grades"), default=dict, blank=True)

    objects = EntityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("innovation entity")
        verbose_name_plural = _("innovation entities")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("entities:entity_detail", args=[self.pk])


class EntityChange(models.Model):
    """One change of an entity's name or division, with the date it took effect."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(max_length=30)
    old_value = models.CharField(max_length=200, blank=True)
    new_value = models.CharField(max_length=200, blank=True)
    effective_on = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entity", "recorded_at"]

    def __str__(self) -> str:
        return f"{self.entity_id} {self.field}: {self.old_value} → {self.new_value}"


class EntityFact(TrackedModel):
    """An entity's facts for one fiscal year (one row of the exchange table)."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="facts")
    year = models.PositiveSmallIntegerField(_("fiscal year"))
    employees = models.DecimalField(_("employees"), **STAFF)
    tech_staff = models.DecimalField(_("S&T staff"), **STAFF)
    sales_revenue = models.DecimalField(_("sales revenue"), **MONEY)
    total_income = models.DecimalField(_("total income"), **MONEY)
    non_taxable_income = models.DecimalField(_("non-taxable income"), **MONEY)
    high_tech_income = models.DecimalField(_("high-tech product (service) income"), **MONEY)
    rd_expense = models.DecimalField(_("R&D expense"), **MONEY)
    rd_expense_domestic = models.DecimalField(_("R&D expense in China"), **MONEY)
    total_cost_expense = models.DecimalField(_("total costs and expenses"), **MONEY)
    net_assets = models.DecimalField(_("net assets"), **MONEY)
    total_assets = models.DecimalField(_("total assets"), **MONEY)
    ip_class1 = models.PositiveIntegerField(_("class I IP"), null=True, blank=True)
    ip_class2 = models.PositiveIntegerField(_("class II IP"), null=True, blank=True)
    conversions = models.PositiveIntegerField(_("conversions of S&T achievements"), null=True, blank=True)
    has_rd_institution = models.BooleanField(_("has an R&D institution"), null=True, blank=True)
    rd_institution_level = models.CharField(_("R&D institution level"), max_length=20, blank=True)
    is_above_scale = models.BooleanField(_("above designated size"), null=True, blank=True)
    is_industrial = models.BooleanField(_("industrial enterprise"), null=True, blank=True)
    major_incident = models.BooleanField(_("major incident"), null=True, blank=True)

    class Meta:
        ordering = ["entity", "year"]
        constraints = [models.UniqueConstraint(fields=["entity", "year"], name="one_fact_row_per_entity_year")]
        verbose_name = _("yearly facts")
        verbose_name_plural = _("yearly facts")

    def __str__(self) -> str:
        return f"{self.entity} {self.year}"


class HteCertificate(TrackedModel):
    """One high-tech enterprise certificate (高新技术企业证书). 办法 国科发火〔2016〕32号
    第十五条: a certificate is valid for three years from its issue date."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="hte_certificates")
    number = models.CharField(_("certificate number"), max_length=40, blank=True)
    issued_on = models.DateField(_("issue date"))

    class Meta:
        ordering = ["entity", "-issued_on"]
        constraints = [models.UniqueConstraint(fields=["entity", "issued_on"], name="one_certificate_per_issue_date")]
        verbose_name = _("high-tech certificate")
        verbose_name_plural = _("high-tech certificates")

    def __str__(self) -> str:
        return f"{self.entity} {self.issued_on}"

    @property
    def valid_until(self):
        """The last day of validity: three years after the issue date, less a day."""
        import datetime

        try:
            end = self.issued_on.replace(year=self.issued_on.year + 3)
        except ValueError:  # 29 February
            end = self.issued_on.replace(year=self.issued_on.year + 3, day=28)
        return end - datetime.timedelta(days=1)


class TsmeRegistration(TrackedModel):
    """One year's registration as a tech-based SME (科技型中小企业入库); one per year."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="tsme_registrations")
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.CharField(_("registration number"), max_length=40, blank=True)

    class Meta:
        ordering = ["entity", "year"]
        constraints = [models.UniqueConstraint(fields=["entity", "year"], name="one_tsme_registration_per_year")]
        verbose_name = _("tech-SME registration")
        verbose_name_plural = _("tech-SME registrations")

    def __str__(self) -> str:
        return f"{self.entity} {self.year}"


class EntityMembership(TrackedModel):
    """An enterprise user's link to the entity it maintains."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="entity_memberships")
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="members")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "entity"], name="one_membership_per_user_entity")]

    def __str__(self) -> str:
        return f"{self.user} → {self.entity}"


# --- stored assessments ----------------------------------------------------------------

class LadderSetting(TrackedModel):
    """A bureau's own gazelle (瞪羚) and leading-enterprise (领军) criteria for its unit and
    the units below it. No national rule defines either stage; without a setting the
    platform defaults of ``kechuang.engine.assess.LadderCriteria`` apply. A run uses the
    setting of the nearest unit at or above its own (see ``assessments.criteria_for``)."""

    org_unit = models.OneToOneField(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT,
                                    related_name="ladder_setting")
    gazelle_max_age_years = models.PositiveSmallIntegerField(_("gazelle: at most years since registration"))
    gazelle_min_sales_yuan = models.PositiveBigIntegerField(_("gazelle: minimum latest-year sales (yuan)"))
    gazelle_min_cagr_percent = models.PositiveSmallIntegerField(_("gazelle: minimum yearly sales growth (%)"))
    leading_min_sales_yuan = models.PositiveBigIntegerField(_("leading: minimum latest-year sales (yuan)"))
    leading_min_rd_percent = models.PositiveSmallIntegerField(_("leading: minimum three-year R&D ÷ sales (%)"))

    class Meta:
        verbose_name = _("ladder criteria")
        verbose_name_plural = _("ladder criteria")

    def __str__(self) -> str:
        return f"{self.org_unit} ladder criteria"


class AssessmentRunQuerySet(models.QuerySet):
    def visible_to(self, user, capability: str = "entities.view_entity") -> AssessmentRunQuerySet:
        """Runs over a unit at, above or below the user's units (a city officer sees the
        region's runs that covered its city, and the county runs inside it)."""
        if not user.is_authenticated or not user.has_capability(capability):
            return self.none()
        if user.is_superuser:
            return self.all()
        condition = Q(pk__in=[])
        for path in user.scope_paths(capability):
            prefixes = ["/" + "/".join(path.strip("/").split("/")[:k]) + "/"
                        for k in range(1, path.strip("/").count("/") + 2)]
            condition |= Q(org_unit__path__startswith=path) | Q(org_unit__path__in=prefixes)
        return self.filter(condition)


class AssessmentRun(models.Model):
    """One batch assessment of every entity of a unit's subtree for an application year.

    ``options`` holds the readings and criteria used (JSON of ``AssessOptions``);
    ``rule_version`` fingerprints the engine's rule texts and those options, so two runs
    with the same version applied the same rules (``assessments.rule_version``). The
    latest run covering an entity is its current result for the year; older runs stay.
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")

    year = models.PositiveSmallIntegerField(_("application year"))
    on = models.DateField(_("application date"))
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    options = models.JSONField(_("options and criteria"), default=dict)
    criteria_source = models.CharField(_("ladder criteria"), max_length=200, blank=True)
    rule_version = models.CharField(_("rule version"), max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("started by"))
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    entity_count = models.PositiveIntegerField(_("entities"), default=0)
    counts = models.JSONField(_("counts"), default=dict)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)

    objects = AssessmentRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("assessment run")
        verbose_name_plural = _("assessment runs")

    def __str__(self) -> str:
        return f"{self.year} {self.org_unit} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("entities:assessment_list") + f"?year={self.year}&run={self.pk}"

    def count(self, key: str) -> int:
        return int(self.counts.get(key, 0))


class AssessmentResultQuerySet(models.QuerySet):
    def visible_to(self, user, capability: str = "entities.view_entity") -> AssessmentResultQuerySet:
        """Results of entities in the user's units; an enterprise user sees its own entities'."""
        if not user.is_authenticated:
            return self.none()
        condition = unit_scope(user, capability, "entity__org_unit")
        if condition is None:
            return self.all()
        if user.has_role(Role.ENTERPRISE):   # a subquery, so no DISTINCT over the JSON columns
            condition |= Q(entity__in=EntityMembership.objects.filter(user=user).values("entity"))
        return self.filter(condition)

    def current(self) -> AssessmentResultQuerySet:
        return self.filter(current=True)


class AssessmentRunFacts(models.Model):
    """The facts a run assessed, kept once per run: the exchange columns of every assessed
    (entity, fiscal year) as one Parquet file (``facts.AssessmentFacts.parquet``). Apart from
    the run so that listing runs or results never loads it."""

    run = models.OneToOneField(AssessmentRun, on_delete=models.CASCADE, primary_key=True, related_name="facts_file")
    data = models.BinaryField(_("facts used (Parquet)"))
    rows = models.PositiveIntegerField(_("rows"), default=0)

    class Meta:
        verbose_name = _("facts of an assessment run")
        verbose_name_plural = _("facts of assessment runs")

    def __str__(self) -> str:
        return f"facts of run #{self.run_id}"


class AssessmentResult(models.Model):
    """One entity's stored result of a run: the engine's record (``record()`` gives it
    back) and the candidate-pool entry; ``facts`` gives the facts it was computed from (kept
    once per run, ``AssessmentRunFacts``)."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="results")
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="assessments")
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("division"), on_delete=models.PROTECT, related_name="+")
    uscc = models.CharField(_("unified social credit code"), max_length=18)
    year = models.PositiveSmallIntegerField(_("application year"))
    current = models.BooleanField(_("current"), default=True)
    hte_eligible = models.BooleanField(_("high-tech eligible"), null=True)
    hte = models.JSONField(_("high-tech conditions"), default=dict)   # conditions, score ranges, missing
    tsme_eligible = models.BooleanField(_("tech-SME eligible"), default=False)
    tsme_score = models.PositiveSmallIntegerField(_("tech-SME score"), default=0)
    tsme_direct = models.BooleanField(_("tech-SME direct confirmation"), default=False)
    tsme = models.JSONField(_("tech-SME details"), default=dict)
    three_zeros = models.JSONField(_("three zeros"), default=list)
    stage = models.CharField(_("ladder stage"), max_length=10)
    stage_rank = models.PositiveSmallIntegerField(_("stage rank"), default=0)
    candidate = models.BooleanField(_("high-tech candidate"), default=False)
    gaps = models.JSONField(_("gaps"), default=list)
    pending = models.JSONField(_("pending"), default=list)

    objects = AssessmentResultQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "entity__name"]
        indexes = [models.Index(fields=["year", "current", "stage"], name="assess_year_current_stage"),
                   models.Index(fields=["entity", "year"], name="assess_entity_year")]
        verbose_name = _("assessment result")
        verbose_name_plural = _("assessment results")

    def __str__(self) -> str:
        return f"{self.uscc} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("entities:entity_detail", args=[self.entity_id]) + f"#assessment-{self.year}"

    def record(self) -> dict:
        """The engine's record (``Assessment.record``) as it was stored."""
        return {"uscc": self.uscc, "year": self.year, "hte": {"eligible": self.hte_eligible, **self.hte},
                "tsme": self.tsme, "three_zeros": list(self.three_zeros), "stage": self.stage}

    @property
    def facts(self) -> dict:
        """The facts this result was computed from: ``{"entity": {…}, "years": [{…}, …]}``
        (exchange keys, blanks left out, dates ISO, amounts as exact text)."""
        if not hasattr(self, "_facts"):
            from .facts import snapshot_from_parquet

            data = AssessmentRunFacts.objects.filter(run_id=self.run_id).values_list("data", flat=True).first()
            self._facts = snapshot_from_parquet(bytes(data), self.uscc) if data is not None else {}
        return self._facts

    def gaps_text(self) -> str:
        return "；".join(self.gaps)

    def pending_text(self) -> str:
        return "；".join(self.pending)

    def three_zeros_display(self) -> list[str]:
        from .assessments import THREE_ZEROS_LABELS

        return [str(THREE_ZEROS_LABELS.get(z, z)) for z in self.three_zeros]

    def previous_stage_display(self) -> str | None:
        """The stage of Y−1 (annotated by the transitions page as ``previous_stage``)."""
        from .assessments import STAGE_LABELS

        previous = getattr(self, "previous_stage", None)
        return str(STAGE_LABELS.get(previous, previous)) if previous else None

    def transition_display(self) -> list[str]:
        """Promoted / dropped against Y−1, certificate expiring in Y (transitions page)."""
        previous = getattr(self, "previous_rank", None)
        changes = []
        if previous is not None and self.stage_rank > previous:
            changes.append(str(_("Promoted")))
        if previous is not None and self.stage_rank < previous:
            changes.append(str(_("Dropped")))
        if getattr(self, "certificate_expiring", False):
            changes.append(str(_("Certificate expiring this year")))
        return changes

    def hte_eligible_display(self) -> str:
        if self.hte_eligible is None:
            return str(_("undecided"))
        return str(_("eligible") if self.hte_eligible else _("not eligible"))

    def get_stage_display(self) -> str:
        from .assessments import STAGE_LABELS

        return str(STAGE_LABELS.get(self.stage, self.stage))
