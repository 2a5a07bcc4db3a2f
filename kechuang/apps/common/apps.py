from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "kechuang.apps.common"
    label = "common"
    verbose_name = _("Common")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (kechuang check / manage.py check)
