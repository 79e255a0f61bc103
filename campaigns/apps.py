from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Đợt khảo sát")

    def ready(self) -> None:
        # What a job importing a sampling frame does (units.import_jobs runs large imports on a worker).
        from django.urls import reverse

        from campaigns.frames import frame_import_check, frame_import_job
        from campaigns.models import Campaign
        from units.import_jobs import ImportKind, import_kind_register

        # The builder's frame step, for officials and the admin's users alike.
        back = lambda job: reverse("builder:frame", args=[Campaign.objects.get(pk=job.params["campaign"]).code])  # noqa: E731
        import_kind_register("frame", ImportKind(_("Nhập khung mẫu"), frame_import_job, back, frame_import_check))
