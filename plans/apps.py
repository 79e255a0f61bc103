from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Kế hoạch cải tiến")

    def ready(self) -> None:
        # Register the reminder and self-survey tasks in every process (see ReportsConfig.ready).
        from plans import tasks  # noqa: F401

    def load_demo(self) -> list[str]:
        """Called by reports' load_demo (it asks every app config for `load_demo`, so reports never imports plans)."""
        from plans.demo import load_plans_demo

        return load_plans_demo()
