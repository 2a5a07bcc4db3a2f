from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EntitiesConfig(AppConfig):
    name = "kechuang.apps.entities"
    label = "entities"
    verbose_name = _("Innovation entities")

    def ready(self) -> None:
        from kechuang.apps.common.navigation import MenuItem, register

        register(MenuItem(_("Innovation entities"), _("Entity registry"), "entities:entity_list", "buildings",
                          "entities.view_entity", order=200,
                          description=_("Enterprises and institutes with their yearly facts.")))
        register(MenuItem(_("Innovation entities"), _("Assessments"), "entities:assessment_list", "clipboard-check",
                          "entities.view_entity", order=210,
                          description=_("Stored assessments: results, high-tech candidate pool, ladder stages.")))
