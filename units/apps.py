from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = _("Đơn vị và phân quyền")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from units.people import remember_password_change

        user_logged_in.connect(remember_password_change, dispatch_uid="units.people.remember_password_change")
