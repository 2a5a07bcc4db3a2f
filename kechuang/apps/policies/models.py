"""Parameter versions (the live values of policy parameters) and confirmed decisions.

Where the truth lives: the YAML files in ``data/policies/`` are the shipped baseline. An
officer's change of a parameter is a :class:`ParameterVersion` row: a new dated value (from
``valid_from``) added on top of the file's values, audited, never edited afterwards. The
live policy set is the baseline plus every version (``live.py``); it can be exported back to
YAML. A what-if never writes anything.

A :class:`BenefitDecision` is the bureau's confirmation of a no-application benefit (免申即享)
for one entity, benefit and year. It is immutable: it keeps the facts, the policy version
(the SHA-256 of the policy file the live version exports to), the parameter values and
the amount paid, so next year's evaluation knows what was already paid (the engine's
``state``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.apps.entities.models import Entity


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("these rows cannot be changed")

    def delete(self):
        raise PermissionError("these rows cannot be deleted")


class ImmutableModel(models.Model):
    """A row written once by an action and never changed or deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("these rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("these rows cannot be deleted")


class ParameterVersionQuerySet(ImmutableQuerySet):
    def visible_to(self, user) -> ParameterVersionQuerySet:
        if not user.is_authenticated or not user.has_capability("policies.view_policy"):
            return self.none()
        return self.all()


class ParameterVersion(ImmutableModel):
    """A new dated value of one parameter of one policy, set by an officer."""

    policy_code = models.CharField(_("policy"), max_length=80)
    parameter = models.CharField(_("parameter"), max_length=80)
    value = models.CharField(_("value"), max_length=200, help_text=_("as written in the policy language, e.g. 500万, 8%"))
    valid_from = models.DateField(_("valid from"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    baseline_sha256 = models.CharField(_("baseline file SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"))

    objects = ParameterVersionQuerySet.as_manager()

    class Meta:
        ordering = ["policy_code", "parameter", "valid_from", "created_at", "pk"]
        verbose_name = _("parameter version")
        verbose_name_plural = _("parameter versions")

    def __str__(self) -> str:
        return f"{self.policy_code}.{self.parameter} = {self.value} ({self.valid_from})"


class BenefitDecisionQuerySet(ImmutableQuerySet):
    def visible_to(self, user, capability: str = "policies.view_policy") -> BenefitDecisionQuerySet:
        """Decisions about the entities the user may see (an enterprise: its own)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(entity__in=Entity.objects.visible_to(user, capability))


class BenefitDecision(ImmutableModel):
    """The confirmed no-application benefit of one entity for one year (immutable)."""

    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="benefit_decisions",
                               verbose_name=_("entity"))
    policy_code = models.CharField(_("policy"), max_length=80)
    benefit = models.CharField(_("benefit"), max_length=160, help_text=_("policy.benefit"))
    benefit_label = models.CharField(_("benefit name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    started_year = models.PositiveSmallIntegerField(_("first year"), null=True, blank=True)
    amount = models.DecimalField(_("amount paid (yuan)"), max_digits=18, decimal_places=2)
    funding = models.JSONField(_("funding by level (yuan)"), default=dict)
    policy_sha256 = models.CharField(_("policy version (SHA-256)"), max_length=64)
    parameters = models.JSONField(_("parameter values"), default=dict)
    facts = models.JSONField(_("facts"), default=dict)
    explanation = models.TextField(_("explanation"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), default=timezone.now, editable=False)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("confirmed by"))

    objects = BenefitDecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "policy_code", "benefit", "entity__name"]
        constraints = [models.UniqueConstraint(fields=["entity", "benefit", "year"],
                                               name="one_decision_per_entity_benefit_year")]
        verbose_name = _("benefit decision")
        verbose_name_plural = _("benefit decisions")

    def __str__(self) -> str:
        return f"{self.entity} {self.benefit} {self.year}: {self.amount}"

    @property
    def org_unit(self):
        return self.entity.org_unit
