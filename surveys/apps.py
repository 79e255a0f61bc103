from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Phiếu khảo sát và phiếu trả lời")

    def ready(self) -> None:
        # What a job importing paper and call-centre responses does (units.import_jobs runs large imports).
        from django.urls import reverse

        from surveys.services.response_import import responses_import_check, responses_import_job
        from units.import_jobs import ImportKind, import_kind_register

        back = lambda job: reverse("admin:surveys_response_changelist")  # noqa: E731
        import_kind_register("responses", ImportKind(_("Nhập phiếu giấy / tổng đài"), responses_import_job, back, responses_import_check))

        # A campaign is activated only with questionnaires whose roles and index parts hold (surveys.services.roles).
        from campaigns.services import activation_check_register
        from surveys.services.roles import campaign_questionnaire_problems

        activation_check_register(campaign_questionnaire_problems)

        # An activated campaign gets its own partition of the answer table (PostgreSQL; surveys.partitions).
        from campaigns.services import activation_hook_register
        from surveys.partitions import answer_partition_on_activation

        activation_hook_register(answer_partition_on_activation)

        # Submission targets are cached per process (surveys.selectors); a save here must be seen at once.
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from campaigns.models import CampaignForm, ChannelWindow, QualityRules, SampleQuota
        from surveys.selectors import targets_forget
        from units.models import Unit, UnitType

        # QualityRules: each campaign's rules are remembered with its targets (surveys.quality.flags.rules_for).
        for model in (CampaignForm, ChannelWindow, SampleQuota, Unit, UnitType, QualityRules):
            post_save.connect(targets_forget, sender=model, dispatch_uid=f"targets_forget_save_{model.__name__}")
            post_delete.connect(targets_forget, sender=model, dispatch_uid=f"targets_forget_delete_{model.__name__}")
        for through in (CampaignForm.unit_types.through, CampaignForm.units.through, ChannelWindow.unit_types.through):
            m2m_changed.connect(targets_forget, sender=through, dispatch_uid=f"targets_forget_m2m_{through.__name__}")
