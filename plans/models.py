"""Improvement plans (kế hoạch cải tiến): the organiser's rules per campaign, each required unit's plan with
its weak criteria, measures and evidence, the plan's history; and units' recurring self-surveys."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from units.models import Unit


class RequiredUnits(models.TextChoices):
    UNDER_TARGET = "under_target", _("Đơn vị CHƯA ĐẠT chỉ tiêu (không tính đơn vị chưa đủ căn cứ)")
    ALL = "all", _("Mọi đơn vị được khảo sát (với các tiêu chí yếu nhất)")


class PlanRules(models.Model):
    """What the organiser asks of its units once a campaign's results are published."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="plan_rules", verbose_name=_("đợt khảo sát"))
    required_units = models.CharField(
        _("đơn vị phải lập kế hoạch"), max_length=14, choices=RequiredUnits.choices, default=RequiredUnits.UNDER_TARGET
    )
    weakest_count = models.PositiveSmallIntegerField(
        _("số tiêu chí yếu nhất phải có biện pháp"),
        default=3,
        help_text=_("Các tiêu chí có tỷ lệ hài lòng thấp nhất của đơn vị trong số liệu đã công bố."),
    )
    due_days = models.PositiveSmallIntegerField(
        _("hạn nộp: số ngày sau khi công bố"), null=True, blank=True, help_text=_("Để trống nếu chỉ dùng hạn hằng năm.")
    )
    yearly_due_day = models.PositiveSmallIntegerField(_("hạn hằng năm: ngày"), null=True, blank=True)
    yearly_due_month = models.PositiveSmallIntegerField(
        _("hạn hằng năm: tháng"), null=True, blank=True, help_text=_("Ví dụ ngày 1 tháng 2. Có cả hai hạn thì lấy hạn đến trước.")
    )
    remind_days_before = models.PositiveSmallIntegerField(_("nhắc trước hạn (ngày)"), default=7)
    remind_every_days_after = models.PositiveSmallIntegerField(_("sau hạn, nhắc lại mỗi (ngày)"), default=7)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("quy định kế hoạch cải tiến")
        verbose_name_plural = _("quy định kế hoạch cải tiến")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weakest_count__gte=1) & models.Q(weakest_count__lte=20),
                name="plan_rules_weakest_range",
                violation_error_message=_("Số tiêu chí yếu nhất phải từ 1 đến 20."),
            ),
            models.CheckConstraint(
                condition=models.Q(due_days__isnull=False)
                | (models.Q(yearly_due_day__isnull=False) & models.Q(yearly_due_month__isnull=False)),
                name="plan_rules_has_due",
                violation_error_message=_("Hãy đặt hạn nộp: số ngày sau khi công bố, hoặc một ngày hằng năm (ngày và tháng)."),
            ),
            models.CheckConstraint(
                condition=models.Q(remind_every_days_after__gte=1),
                name="plan_rules_remind_after_positive",
                violation_error_message=_("Sau hạn, nhắc lại ít nhất mỗi 1 ngày."),
            ),
        ]

    def __str__(self) -> str:
        return str(_("Quy định kế hoạch cải tiến của %(campaign)s") % {"campaign": self.campaign})


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Nháp")
    SUBMITTED = "submitted", _("Đã nộp")
    RETURNED = "returned", _("Trả lại")
    APPROVED = "approved", _("Đã duyệt")


# Statuses in which the unit still has to act (the reminders' targets, and where measures may change).
OPEN_STATUSES = (PlanStatus.DRAFT, PlanStatus.RETURNED)


class ImprovementPlan(models.Model):
    """One required unit's plan for one campaign; `late` is set at its first filing after `due_on` (never refused)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="improvement_plans", verbose_name=_("đợt khảo sát"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="improvement_plans", verbose_name=_("đơn vị"))
    snapshot_version = models.PositiveIntegerField(_("phiên bản số liệu đã công bố"))
    reason = models.CharField(_("lý do phải lập"), max_length=255)
    status = models.CharField(_("trạng thái"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    due_on = models.DateField(_("hạn nộp"))
    first_submitted_at = models.DateTimeField(_("nộp lần đầu lúc"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("nộp gần nhất lúc"), null=True, blank=True)
    late = models.BooleanField(_("nộp muộn"), default=False)
    approved_at = models.DateTimeField(_("duyệt lúc"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("kế hoạch cải tiến")
        verbose_name_plural = _("kế hoạch cải tiến")
        constraints = [models.UniqueConstraint(fields=["campaign", "unit"], name="plan_one_per_unit")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.campaign}"


class PlanCriterion(models.Model):
    """A weak criterion the plan answers, with its published figure (for the page; comparisons read the snapshot)."""

    plan = models.ForeignKey(ImprovementPlan, on_delete=models.CASCADE, related_name="criteria")
    code = models.CharField(_("mã tiêu chí"), max_length=60)
    text = models.TextField(_("tiêu chí"))
    value = models.DecimalField(_("tỷ lệ hài lòng (%)"), max_digits=7, decimal_places=2, null=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="plan_criterion_unique")]

    def __str__(self) -> str:
        return f"{self.code}. {self.text}"


class Measure(models.Model):
    """A measure (biện pháp) for one weak criterion: what, who answers for it, by when."""

    criterion = models.ForeignKey(PlanCriterion, on_delete=models.CASCADE, related_name="measures", verbose_name=_("tiêu chí"))
    action = models.TextField(_("biện pháp"), max_length=2000)
    owner = models.CharField(_("người phụ trách"), max_length=200)
    due_on = models.DateField(_("thời hạn"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.action[:80]


class Evidence(models.Model):
    """A file (checked and stored by units.uploads, served only by the plan's evidence view) or a link."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="evidence")
    file = models.CharField(_("tệp (tên lưu)"), max_length=255, blank=True)
    original_name = models.CharField(_("tên tệp"), max_length=200, blank=True)
    kind = models.CharField(_("loại tệp"), max_length=10, blank=True)
    size = models.PositiveIntegerField(default=0)
    link = models.URLField(_("đường dẫn"), max_length=500, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(file="") | ~models.Q(link=""),
                name="evidence_file_or_link",
                violation_error_message=_("Hãy chọn một tệp hoặc nhập một đường dẫn làm minh chứng."),
            )
        ]

    def __str__(self) -> str:
        return self.original_name or self.link


class PlanEventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Nộp kế hoạch")
    RETURNED = "returned", _("Trả lại để bổ sung")
    APPROVED = "approved", _("Duyệt")
    REMINDED = "reminded", _("Nhắc hạn")


class PlanEvent(models.Model):
    """The plan's history: filings (late or not), returns with their comments, approvals, reminders sent."""

    plan = models.ForeignKey(ImprovementPlan, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=PlanEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField(blank=True)
    late = models.BooleanField(default=False)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.plan}"


class SelfSurveySchedule(models.Model):
    """A unit's recurring self-survey: every `every_months` a draft copy of the latest period's campaign
    (first: the template, organised in the unit's subtree) is made for the period starting `next_start`."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="self_survey_schedules", verbose_name=_("đơn vị"))
    template = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+", verbose_name=_("đợt mẫu"))
    last_campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("đợt gần nhất")
    )
    every_months = models.PositiveSmallIntegerField(_("chu kỳ (tháng)"), default=3)
    next_start = models.DateField(_("kỳ tới bắt đầu"))
    is_active = models.BooleanField(_("đang áp dụng"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lịch tự khảo sát định kỳ")
        verbose_name_plural = _("lịch tự khảo sát định kỳ")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(every_months__gte=1) & models.Q(every_months__lte=12),
                name="self_survey_every_range",
                violation_error_message=_("Chu kỳ phải từ 1 đến 12 tháng."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.template}"
