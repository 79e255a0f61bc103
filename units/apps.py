from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = _("Đơn vị và phân quyền")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from units.middleware import session_start

        user_logged_in.connect(session_start, dispatch_uid="units_session_start")
