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
