from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "kechuang.apps.policies"
    label = "policies"
    verbose_name = _("Policies")

    def ready(self) -> None:
        from kechuang.apps.common.navigation import MenuItem, register, register_home_block

        from .home import home_benefits_context

        register_home_block(home_benefits_context)

        register(
            MenuItem(_("Policies"), _("Policies and benefits"), "policies:policy_list", "cash-coin",
                     "policies.view_policy", order=310,
                     description=_("Subsidy, award and tax policies as rules: who qualifies, for how much, and why.")),
            MenuItem(_("Policies"), _("Confirmed benefit decisions"), "policies:decision_list", "check2-square",
                     "policies.view_policy", order=311,
                     description=_("No-application benefits confirmed by the bureau, for payment.")),
            MenuItem(_("Policies"), _("Policy budget"), "policies:budget", "calculator",
                     "policies.manage_policy", order=312,
                     description=_("The cost of the policies for the coming years, by level and county.")),
            MenuItem(_("Policies"), _("What-if"), "policies:whatif", "sliders",
                     "policies.manage_policy", order=313,
                     description=_("Change parameters and see the budget, the gainers and the losers.")),
        )
