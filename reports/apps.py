from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Chỉ số và báo cáo")

    def ready(self) -> None:
        # Importing the task modules registers them with Celery in every process (web, commands, worker):
        # campaigns asks for the recompute task by name, and a web process that never imported it would
        # find nothing to send (Celery's autodiscovery runs only in workers).
        from reports import tasks, tasks_exports  # noqa: F401
