from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kam.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.urls import register_converter

        # Deferred to ready(): Django loads apps.py before the rest of the app; not a cycle.
        from kam.core.ids import IdConverter

        # Before any URLconf is read: every app's patterns use <id:…> for primary keys.
        register_converter(IdConverter, "id")
