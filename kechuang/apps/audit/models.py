"""The audit trail: one immutable row per change of domain data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: D401
        raise PermissionError("audit entries cannot be changed")

    def delete(self):
        raise PermissionError("audit entries are deleted only by `kechuang audit purge`")

    def visible_to(self, user) -> AuditEntryQuerySet:
        """Entries an administrator may read: those recorded in its units (and below),
        and those of no unit (logins, platform-wide changes) for region-level admins."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        paths = user.scope_paths("audit.view_auditentry")
        if not paths:
            return self.none()
        condition = models.Q()
        for path in paths:
            condition |= models.Q(unit_path__startswith=path)
            if path.count("/") == 2:  # a root unit: the whole installation
                condition |= models.Q(unit_path="")
        return self.filter(condition)


class AuditEntry(models.Model):
    """One recorded change: who, when, from where, what, and the values before and after.

    Rows are written only by ``kechuang.apps.audit.record`` and never changed: the model,
    its queryset and database triggers (see migration 0002) refuse updates, and deletes
    of rows younger than the legal minimum retention (网络安全法 第二十一条: six months).
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", db_constraint=False,
    )
    # Kept as text too, so that the entry still says who it was if the user is renamed.
    actor_username = models.CharField(_("user name"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    verb = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    unit_path = models.CharField(max_length=255, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    batch_file = models.FileField(_("file"), upload_to="audit/%Y/%m/", null=True, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.verb} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("audit:auditentry_detail", args=[self.pk])

    def delete(self, *args, **kwargs):
        raise PermissionError("audit entries are deleted only by `kechuang audit purge`")

    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for every field that differs, in a stable order."""
        before = self.before or {}
        after = self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
