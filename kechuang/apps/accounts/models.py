"""Users, org units and the roles users hold in them."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kechuang.apps.common.models import TrackedModel

from .roles import OWN_OBJECT_ROLES, Role, roles_granting


def unit_scope(user, capability: str, *fields: str) -> Q | None:
    """A Q matching rows whose org-unit field(s) lie in the user's units for a capability
    (``fields`` name the ForeignKeys to OrgUnit, e.g. ``"org_unit"``); None means every row
    (a superuser). An anonymous user, or one without the capability, matches nothing."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return None
    condition = Q(pk__in=[])
    for path in user.scope_paths(capability):
        for field in fields:
            condition |= Q(**{f"{field}__path__startswith": path})
    return condition


class OrgUnitQuerySet(models.QuerySet):
    def active(self, on: datetime.date | None = None) -> OrgUnitQuerySet:
        """Units valid on a date (today by default): opened on or before, not yet closed."""
        on = on or timezone.localdate()
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=on),
            Q(valid_to__isnull=True) | Q(valid_to__gt=on),
        )

    def within(self, paths: list[str]) -> OrgUnitQuerySet:
        """Units at or below any of the given materialised paths."""
        if not paths:
            return self.none()
        condition = Q()
        for path in paths:
            condition |= Q(path__startswith=path)
        return self.filter(condition)

    def visible_to(self, user, capability: str = "accounts.view_orgunit") -> OrgUnitQuerySet:
        """The units a user may see with a capability: its units and those below them."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.within(user.scope_paths(capability))


class OrgUnit(TrackedModel):
    """One organisational unit: the region, a league or city, a county, banner or
    district, a development zone, or a body (department, college, court, Party organ…)
    that plans name as responsible units.

    Units are never deleted: they are closed (``valid_to``), merged into a successor or
    renamed, and ``OrgUnitChange`` keeps the history with effective dates.
    """

    class Kind(models.TextChoices):
        REGION = "region", _("Autonomous region")
        CITY = "city", _("League or city")
        COUNTY = "county", _("County, banner or district")
        ZONE = "zone", _("Development zone or park")
        DEPARTMENT = "department", _("Government department")
        COLLEGE = "college", _("College or university")
        COURT = "court", _("Court or procuratorate")
        PARTY = "party", _("Party organ")
        ORGANISATION = "organisation", _("Other organisation")
        ENTERPRISE = "enterprise", _("State enterprise")

    #: Kinds that are administrative divisions (and so may contain entities).
    PLACE_KINDS = (Kind.REGION, Kind.CITY, Kind.COUNTY, Kind.ZONE)

    code = models.CharField(
        _("code"), max_length=20, unique=True,
        help_text=_("The 6-digit division code, or a code of the platform's own (150300Z01)."),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    # "/150000/150300/150302/": the codes from the root down, so that "this unit and
    # everything below it" is one indexed prefix match on SQLite and PostgreSQL alike.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(
        _("closed on"), null=True, blank=True,
        help_text=_("The first day on which the unit no longer exists."),
    )
    successor = models.ForeignKey(
        "self", verbose_name=_("successor"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="predecessors",
    )
    source = models.CharField(_("source"), max_length=200, blank=True)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:orgunit_detail", args=[self.pk])

    def compute_path(self) -> tuple[str, int]:
        if self.parent_id is None:
            return f"/{self.code}/", 0
        return f"{self.parent.path}{self.code}/", self.parent.depth + 1

    @property
    def is_active(self) -> bool:
        today = timezone.localdate()
        started = self.valid_from is None or self.valid_from <= today
        return started and (self.valid_to is None or self.valid_to > today)

    @property
    def is_place(self) -> bool:
        return self.kind in self.PLACE_KINDS

    def ancestors(self) -> list[OrgUnit]:
        codes = [c for c in self.path.strip("/").split("/")][:-1]
        by_code = {u.code: u for u in OrgUnit.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]


class OrgUnitChange(models.Model):
    """One dated event in a unit's life: opened, renamed, moved, merged or closed.

    The audit trail says who recorded a change and when; this row says when the change
    took effect in the world, which is what "the unit as of a date" needs.
    """

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        RENAMED = "renamed", _("Renamed")
        MOVED = "moved", _("Moved")
        MERGED = "merged", _("Merged")
        CLOSED = "closed", pgettext_lazy("org unit change", "Closed")
        REOPENED = "reopened", _("Reopened")

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(_("change"), max_length=20, choices=Kind.choices)
    effective_on = models.DateField(_("effective on"))
    old_value = models.CharField(_("before"), max_length=200, blank=True)
    new_value = models.CharField(_("after"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["unit", "effective_on", "id"]
        verbose_name = _("org unit change")
        verbose_name_plural = _("org unit changes")

    def __str__(self) -> str:
        return f"{self.unit} {self.get_kind_display()} {self.effective_on}"


class User(AbstractUser):
    """One person (or machine client) who signs in. Roles come from ``RoleAssignment``."""

    name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    objects = UserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.username

    # -- roles and scope (cached per request on the instance) -------------------------

    def role_assignments(self) -> list[RoleAssignment]:
        cached = getattr(self, "_role_cache", None)
        if cached is None:
            cached = list(
                self.roles.select_related("org_unit").filter(
                    Q(org_unit__valid_to__isnull=True) | Q(org_unit__valid_to__gt=timezone.localdate())
                )
            )
            self._role_cache = cached
        return cached

    def role_set(self) -> set[str]:
        return {a.role for a in self.role_assignments()}

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_set() & set(roles))

    def has_capability(self, capability: str) -> bool:
        if not self.is_active:
            return False
        if self.is_superuser:
            roles_granting(capability)  # still refuse unknown capabilities
            return True
        return bool(self.role_set() & roles_granting(capability))

    def scope_paths(self, capability: str) -> list[str]:
        """Paths of the units where the user holds a unit-wide role that grants the
        capability (enterprise users and experts reach only their own objects)."""
        granting = roles_granting(capability) - OWN_OBJECT_ROLES
        return sorted({a.org_unit.path for a in self.role_assignments() if a.role in granting})

    def get_absolute_url(self) -> str:
        return reverse("accounts:user_detail", args=[self.pk])

    def roles_display(self) -> str:
        return "；".join(str(a) for a in self.roles.all())

    def primary_assignment(self) -> RoleAssignment | None:
        assignments = self.role_assignments()
        return assignments[0] if assignments else None


class RoleAssignment(TrackedModel):
    """One role that one user holds in one org unit.

    Enterprise users hold their role in the unit of their enterprise's division; the
    link to the entity itself belongs to the entities module.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="role_assignments"
    )

    class Meta:
        ordering = ["user", "role", "org_unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "org_unit"], name="unique_role_in_unit")
        ]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")

    def __str__(self) -> str:
        return f"{self.get_role_display()} @ {self.org_unit}"
