"""A campaign's communication plan (kế hoạch truyền thông): activities, the units responsible for each, and
the evidence each unit files when it has done its part.

A unit's part is done on the day it reported (`UnitTask.done_on`, a local date); it is late when that day is
after the activity's deadline, so a deadline moved later makes nothing late by mistake.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from units.models import Unit


class ActivityKind(models.TextChoices):
    POSTING = "posting", _("Niêm yết thông báo tại bộ phận một cửa, cơ sở y tế")
    WEBSITE = "website", _("Đăng trên cổng, trang thông tin điện tử")
    RADIO = "radio", _("Phát trên hệ thống loa truyền thanh")
    SOCIAL = "social", _("Đăng trên mạng xã hội (Zalo, Facebook…)")
    VILLAGE = "village", _("Cán bộ thôn, bản hỗ trợ điều tra viên tại vùng sâu, vùng xa, vùng đồng bào dân tộc thiểu số")
    OTHER = "other", _("Hoạt động khác")


class CommunicationPlan(models.Model):
    """One per campaign; also holds what the organising letter needs that the plan does not say."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="communication_plan", verbose_name=_("đợt khảo sát"))
    letter_number = models.CharField(
        _("số, ký hiệu công văn"), max_length=60, blank=True, help_text=_("Ví dụ: 125/SNV-CCHC; để trống thì in «Số: …/…» để ghi tay.")
    )
    letter_recipients = models.TextField(
        _("nơi nhận"), blank=True, help_text=_("Mỗi dòng một nơi nhận; để trống thì gửi các đơn vị thực hiện.")
    )
    signer_title = models.CharField(
        _("chức vụ người ký"),
        max_length=120,
        blank=True,
        help_text=_("Các dòng cách nhau bởi «/», dòng cuối là chức vụ. Ví dụ: KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"),
    )
    signer_name = models.CharField(_("người ký"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("sửa lúc"), auto_now=True)

    class Meta:
        verbose_name = _("kế hoạch truyền thông")
        verbose_name_plural = _("kế hoạch truyền thông")

    def __str__(self) -> str:
        return str(_("Kế hoạch truyền thông — %(campaign)s") % {"campaign": self.campaign.name})


class Activity(models.Model):
    plan = models.ForeignKey(CommunicationPlan, on_delete=models.CASCADE, related_name="activities", verbose_name=_("kế hoạch"))
    kind = models.CharField(_("loại hoạt động"), max_length=12, choices=ActivityKind.choices)
    title = models.CharField(_("nội dung"), max_length=255, help_text=_("Ví dụ: Niêm yết thông báo khảo sát tại bộ phận một cửa."))
    description = models.TextField(_("yêu cầu cụ thể"), blank=True)
    start = models.DateField(_("từ ngày"))
    deadline = models.DateField(_("hạn hoàn thành"))
    units = models.ManyToManyField(Unit, through="UnitTask", related_name="+", verbose_name=_("đơn vị thực hiện"))
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("hoạt động truyền thông")
        verbose_name_plural = _("hoạt động truyền thông")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("start")),
                name="comms_activity_period_order",
                violation_error_message=_("Hạn hoàn thành phải từ ngày bắt đầu trở đi."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def campaign(self) -> Campaign:  # for the audit log's unit (the organiser)
        return self.plan.campaign


class UnitTask(models.Model):
    """One responsible unit's part of an activity; done once it reported, with its evidence."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("hoạt động"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="communication_tasks", verbose_name=_("đơn vị"))
    done_at = models.DateTimeField(_("báo cáo lúc"), null=True, blank=True)
    done_on = models.DateField(_("ngày thực hiện"), null=True, blank=True, help_text=_("Ngày báo cáo (giờ Việt Nam), so với hạn."))
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("người báo cáo")
    )
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        ordering = ["activity", "unit__path"]
        verbose_name = _("việc của đơn vị")
        verbose_name_plural = _("việc của đơn vị")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "unit"], name="comms_task_unique", violation_error_message=_("Đơn vị đã được giao hoạt động này.")
            ),
            models.CheckConstraint(
                condition=models.Q(done_at__isnull=True, done_on__isnull=True) | models.Q(done_at__isnull=False, done_on__isnull=False),
                name="comms_task_done_both",
                violation_error_message=_("Thời điểm và ngày thực hiện phải cùng có hoặc cùng trống."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} — {self.unit.name}"

    @property
    def is_late(self) -> bool:
        return self.done_on is not None and self.done_on > self.activity.deadline


PHOTO_KINDS = frozenset({"jpeg", "png", "webp"})  # units.uploads kinds shown as photos


class Evidence(models.Model):
    """A photo, a document or a link a unit files for its task. Files are untrusted: checked and stored by
    units.uploads (a random storage name; the user's name only names the download), always served as a download."""

    task = models.ForeignKey(UnitTask, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("việc"))
    stored_name = models.CharField(_("tệp đã lưu"), max_length=255, blank=True, editable=False)
    original_name = models.CharField(_("tên tệp"), max_length=255, blank=True)
    file_kind = models.CharField(_("loại tệp"), max_length=8, blank=True)
    size = models.PositiveIntegerField(_("dung lượng (byte)"), default=0)
    link = models.URLField(_("đường dẫn"), max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("người gửi")
    )
    uploaded_at = models.DateTimeField(_("gửi lúc"), auto_now_add=True)

    class Meta:
        ordering = ["task", "pk"]
        verbose_name = _("minh chứng")
        verbose_name_plural = _("minh chứng")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stored_name="", link__gt="") | (models.Q(stored_name__gt="", link="", file_kind__gt="")),
                name="comms_evidence_file_or_link",
                violation_error_message=_("Minh chứng là một tệp hoặc một đường dẫn, không phải cả hai."),
            ),
        ]

    def __str__(self) -> str:
        return self.original_name or self.link

    @property
    def unit(self) -> Unit:  # for the audit log's unit
        return self.task.unit

    @property
    def is_photo(self) -> bool:
        return self.file_kind in PHOTO_KINDS
