from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Chỉ số và báo cáo")

    def ready(self) -> None:
        # Export tasks live beside the engine's reports/tasks.py; importing them registers them with Celery.
        from reports import tasks_exports  # noqa: F401
