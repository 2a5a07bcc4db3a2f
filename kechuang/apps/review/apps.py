from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "kechuang.apps.review"
    label = "review"
    verbose_name = _("Fair competition review")

    def ready(self) -> None:
        from kechuang.apps.common.navigation import MenuItem, register

        register(MenuItem(_("Policies"), _("Fair competition review"), "review:document_list", "shield-check",
                          "review.view_document", order=350,
                          description=_("Normative documents reviewed against 《公平竞争审查条例》 Articles 8–11.")))
