from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "kam.access"
    label = "access"
    verbose_name = _("Access")

    def ready(self) -> None:
        # Deferred: the receivers read django-otp's device model, which is not loaded before ready().
        from kam.access.mfa import receivers  # noqa: F401
