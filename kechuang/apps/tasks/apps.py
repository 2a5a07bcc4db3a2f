from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "kechuang.apps.tasks"
    label = "tasks"
    verbose_name = _("Background tasks")

    def ready(self) -> None:
        from kechuang.apps.common.navigation import MenuItem, register

        from . import registry

        registry.autodiscover()
        register(MenuItem(_("System"), _("Background tasks"), "tasks:task_list", "hourglass-split",
                          "tasks.view_task", order=930,
                          description=_("Imports and long computations, with their progress.")))
