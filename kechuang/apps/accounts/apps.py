from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kechuang.apps.accounts"
    label = "accounts"
    verbose_name = _("Accounts and org units")

    def ready(self) -> None:
        from kechuang.apps.common.navigation import MenuItem, register

        section = _("System")
        register(
            MenuItem(section, _("Org units"), "accounts:orgunit_list", "diagram-3",
                     "accounts.view_orgunit", order=900,
                     description=_("The region, leagues and cities, counties, zones and bodies.")),
            MenuItem(section, _("Users"), "accounts:user_list", "people",
                     "accounts.manage_user", order=910,
                     description=_("Accounts, roles in units, lockouts.")),
        )
