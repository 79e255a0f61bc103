from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = _("Đơn vị và phân quyền")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.urls import reverse

        from units.middleware import session_start

        user_logged_in.connect(session_start, dispatch_uid="units_session_start")
        # Registers the import task in every process (the web process enqueues it by name), and what a
        # job importing units does (units.import_jobs).
        from units import tasks  # noqa: F401
        from units.import_jobs import ImportKind, import_kind_register
        from units.services import units_import_check, units_import_job

        import_kind_register("units", ImportKind(_("Nhập đơn vị"), units_import_job, lambda job: reverse("admin:units_unit_changelist"), units_import_check))
