from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "kechuang.apps.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from kechuang.apps.common.navigation import MenuItem, register

        from . import signals  # noqa: F401  (login, logout and failed-login entries)

        register(MenuItem(_("System"), _("Audit trail"), "audit:auditentry_list", "journal-text",
                          "audit.view_auditentry", order=920,
                          description=_("Who changed what, when, from where; before and after.")))
