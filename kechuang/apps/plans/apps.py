from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "kechuang.apps.plans"
    label = "plans"
    verbose_name = _("Plans and indicators")

    def ready(self) -> None:
        from kechuang.apps.common.navigation import MenuItem, register, register_home_block

        from .home import bureau_home_context

        register_home_block(bureau_home_context)
        register(
            MenuItem(_("Plans and indicators"), _("Plans"), "plans:plan_list", "clipboard-data", "plans.view_plan",
                     order=100, description=_("Plan targets, evaluation with explanations, dashboards and reports.")),
            MenuItem(_("Plans and indicators"), _("Plan reporting"), "plans:my_reports", "pencil-square",
                     "plans.report", order=110,
                     description=_("Your units' reports: values and task progress, deadlines.")),
            MenuItem(_("Plans and indicators"), _("Overdue reports"), "plans:overdue", "alarm", "plans.manage_plan",
                     order=120, description=_("Reports past their deadline.")),
        )
