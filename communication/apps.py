from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunicationConfig(AppConfig):
    name = "communication"
    verbose_name = _("Truyền thông")

    def load_demo(self) -> list[str]:
        """Called by reports' load_demo (it asks every app config for `load_demo`, so reports never imports this app)."""
        from communication.demo import load_communication_demo

        return load_communication_demo()
