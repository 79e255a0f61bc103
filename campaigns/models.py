"""Survey campaigns: forms, channel windows, quotas, the sampling frame, the draw and assignments.

Campaigns never import surveys' code; `CampaignForm.questionnaire` is a lazy reference.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from units.constraints import ConstraintErrorsOnFields
from units.formatting import date_vi
from units.models import Unit, UnitType


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Nháp")
    ACTIVE = "active", _("Đang khảo sát")
    CLOSED = "closed", _("Đã kết thúc")
    PUBLISHED = "published", _("Đã công bố")
    ARCHIVED = "archived", _("Lưu trữ")


class IndexSchemeCode(models.TextChoices):
    SIPAS = "sipas", _("SIPAS (Bộ Nội vụ): trung bình các tiêu chí")
    MOH_POOLED = "moh_pooled", _("Bộ Y tế: tỷ lệ hài lòng chung (gộp)")
    MEAN_SCORE = "mean_score", _("Điểm trung bình (1–5)")


class Channel(models.TextChoices):
    PHONE = "phone", _("Điện thoại")
    HOME_VISIT = "home_visit", _("Phỏng vấn tại nhà")
    DESK = "desk", _("Tại bộ phận một cửa")
    VENUE = "venue", _("Tại cơ sở")
    ONLINE = "online", _("Trực tuyến")
    PAPER = "paper", _("Phiếu giấy")


def default_counted_statuses() -> list[str]:
    return ["submitted", "approved"]


class Campaign(ConstraintErrorsOnFields, models.Model):
    code = models.SlugField(_("mã"), max_length=60, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    organiser = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("đơn vị tổ chức"))
    year = models.PositiveSmallIntegerField(_("năm"))
    series = models.SlugField(
        _("chuỗi đợt"), max_length=60, blank=True, help_text=_("Các đợt cùng chuỗi được so sánh qua các năm.")
    )
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("đợt trước")
    )
    fieldwork_start = models.DateField(_("bắt đầu khảo sát"))
    fieldwork_end = models.DateField(_("kết thúc khảo sát"))
    status = models.CharField(_("trạng thái"), max_length=12, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    target_index = models.DecimalField(_("chỉ tiêu (%)"), max_digits=5, decimal_places=2, default=80)
    target_source = models.CharField(
        _("căn cứ của chỉ tiêu"), max_length=255, blank=True,
        help_text=_("Văn bản đặt ra chỉ tiêu (số, ngày, nội dung). Để trống khi tạo đợt: lấy chỉ tiêu và căn cứ theo phương pháp và năm (bảng «Chỉ tiêu theo văn bản»)."),
    )
    index_scheme = models.CharField(_("phương pháp tính"), max_length=20, choices=IndexSchemeCode.choices, default=IndexSchemeCode.SIPAS)
    scheme_options = models.JSONField(
        _("tuỳ chọn phương pháp"), default=dict, blank=True, help_text=_("Ví dụ {\"element\": \"pooled\", \"overall\": \"mean\"}.")
    )
    counted_statuses = models.JSONField(_("trạng thái phiếu được tính"), default=default_counted_statuses)
    notice_text = models.TextField(_("thông báo công khai"), blank=True)
    public_key = models.UUIDField(_("khoá công khai"), default=uuid.uuid4, unique=True, editable=False)
    draw_seed = models.BigIntegerField(_("hạt giống chọn mẫu"), null=True, blank=True)
    max_attempts = models.PositiveSmallIntegerField(
        _("số lần liên hệ tối đa"),
        default=3,
        help_text=_("Sau chừng ấy lần liên hệ không thành, trường hợp kết thúc là «không liên hệ được» và người dự phòng kế tiếp được dùng."),
    )
    call_script = models.TextField(
        _("lời giới thiệu khi gọi"), blank=True, help_text=_("Tổng đài viên đọc khi gọi; để trống thì dùng lời giới thiệu mặc định.")
    )
    dirty_at = models.DateTimeField(_("cần tính lại từ"), null=True, blank=True, db_index=True)
    # The first publication: personal data (frame, contacts) is purged a set number of days later (campaigns.privacy).
    published_at = models.DateTimeField(_("công bố lúc"), null=True, blank=True, editable=False)
    personal_data_purged_at = models.DateTimeField(_("đã xoá dữ liệu cá nhân lúc"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("sửa lúc"), auto_now=True)

    constraint_fields = {
        "campaign_period_order": "fieldwork_end", "campaign_target_percent": "target_index",
        "campaign_max_attempts_range": "max_attempts", "campaign_code_unique_any_case": "code",
    }

    class Meta:
        ordering = ["-year", "code"]
        verbose_name = _("đợt khảo sát")
        verbose_name_plural = _("đợt khảo sát")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fieldwork_end__gte=models.F("fieldwork_start")), name="campaign_period_order",
                violation_error_message=_("Ngày kết thúc khảo sát không được trước ngày bắt đầu khảo sát."),
            ),
            models.CheckConstraint(
                condition=models.Q(target_index__gte=0) & models.Q(target_index__lte=100), name="campaign_target_percent",
                violation_error_message=_("Chỉ tiêu phải nằm trong khoảng 0–100%."),
            ),
            models.CheckConstraint(
                condition=models.Q(max_attempts__gte=1) & models.Q(max_attempts__lte=20), name="campaign_max_attempts_range",
                violation_error_message=_("Số lần liên hệ tối đa phải từ 1 đến 20."),
            ),
            # Operators type a campaign's code in any case, so two codes may not differ only by case.
            models.UniqueConstraint(
                Upper("code"), name="campaign_code_unique_any_case", violation_error_message=_("Đã có đợt khảo sát mang mã này (không phân biệt chữ hoa, chữ thường).")
            ),
        ]

    def __str__(self) -> str:
        return self.name


class QualityRules(models.Model):
    """A campaign's data-quality rules (surveys.quality): the thresholds of the automatic flags, whether a
    flagged response waits for review before it counts, and the back-check (phúc tra) share. A campaign
    without a row uses the defaults (`QualityRules.for_campaign`)."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="quality_rules", verbose_name=_("đợt khảo sát"))
    hold_flagged = models.BooleanField(
        _("tạm giữ phiếu bị gắn cờ"), default=False,
        help_text=_("Phiếu bị gắn cờ chờ người giám sát duyệt rồi mới được tính."),
    )
    too_fast_percent = models.PositiveSmallIntegerField(
        _("quá nhanh: dưới … % trung vị"), default=30,
        help_text=_("Phiếu có thời lượng dưới tỷ lệ này của trung vị thời lượng cùng phiếu bị gắn cờ «quá nhanh»; 0 = không kiểm tra."),
    )
    min_seconds_per_question = models.PositiveSmallIntegerField(
        _("số giây tối thiểu mỗi câu"), default=2,
        help_text=_("Một phiếu hay một phần của phiếu làm nhanh hơn số giây này nhân số câu đã trả lời bị gắn cờ «quá nhanh»; 0 = không kiểm tra."),
    )
    straight_line_items = models.PositiveSmallIntegerField(
        _("trả lời một mức: từ … câu"), default=10,
        help_text=_("Chuỗi câu thang đo liên tiếp cùng một mức từ số câu này trở lên bị gắn cờ để xem lại (không tự loại); 0 = không kiểm tra."),
    )
    check_duplicates = models.BooleanField(
        _("kiểm tra người trả lời trùng"), default=True, help_text=_("Cùng số điện thoại, hoặc cùng họ tên tại cùng đơn vị.")
    )
    odd_hours_start = models.PositiveSmallIntegerField(_("giờ bất thường từ"), default=21, help_text=_("Giờ (0–23) bắt đầu khoảng giờ bất thường."))
    odd_hours_end = models.PositiveSmallIntegerField(_("giờ bất thường đến"), default=6, help_text=_("Giờ (0–23) kết thúc khoảng giờ bất thường."))
    outlier_z = models.DecimalField(
        _("ngưỡng điều tra viên khác biệt (z)"), max_digits=4, decimal_places=2, default=3,
        help_text=_("Tỷ lệ hài lòng của một điều tra viên khác đồng nghiệp tại cùng đơn vị quá ngưỡng này (độ lệch chuẩn) bị gắn cờ; 0 = không kiểm tra."),
    )
    ask_location = models.BooleanField(
        _("ghi vị trí khi phỏng vấn tại nhà"), default=False, help_text=_("Trình duyệt hỏi điều tra viên cho phép ghi vị trí lúc gửi phiếu.")
    )
    backcheck_percent = models.PositiveSmallIntegerField(
        _("tỷ lệ phúc tra (%)"), default=10, help_text=_("Tỷ lệ phiếu hoàn thành của mỗi điều tra viên được chọn ngẫu nhiên để phúc tra.")
    )
    backcheck_hold_on_fail = models.BooleanField(
        _("tạm giữ khi phúc tra không khớp"), default=True,
        help_text=_("Một phiếu phúc tra không khớp đưa các phiếu chưa duyệt khác của điều tra viên đó vào trạng thái tạm giữ."),
    )

    class Meta:
        verbose_name = _("quy tắc chất lượng dữ liệu")
        verbose_name_plural = _("quy tắc chất lượng dữ liệu")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(too_fast_percent__lte=100), name="quality_too_fast_percent",
                violation_error_message=_("Tỷ lệ «quá nhanh» phải từ 0 đến 100%."),
            ),
            models.CheckConstraint(
                condition=models.Q(backcheck_percent__lte=100), name="quality_backcheck_percent",
                violation_error_message=_("Tỷ lệ phúc tra phải từ 0 đến 100%."),
            ),
            models.CheckConstraint(
                condition=models.Q(odd_hours_start__lte=23) & models.Q(odd_hours_end__lte=23), name="quality_odd_hours",
                violation_error_message=_("Giờ phải từ 0 đến 23."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.campaign)

    @classmethod
    def for_campaign(cls, campaign: Campaign) -> QualityRules:
        """The campaign's rules, or the defaults (unsaved) when it has none."""
        found = cls.objects.filter(campaign=campaign).first()
        return found if found is not None else cls(campaign=campaign)


class TargetNorm(ConstraintErrorsOnFields, models.Model):
    """The satisfaction target a text in force sets for a scheme over a span of years, with that text:
    the default target of a new campaign of that scheme and year (campaigns.targets)."""

    scheme = models.CharField(_("phương pháp tính"), max_length=20, choices=IndexSchemeCode.choices)
    year_from = models.PositiveSmallIntegerField(_("từ năm"))
    year_to = models.PositiveSmallIntegerField(_("đến năm"))
    value = models.DecimalField(_("chỉ tiêu (%)"), max_digits=5, decimal_places=2)
    source = models.CharField(_("căn cứ"), max_length=255, help_text=_("Số, ngày và nội dung của văn bản, ví dụ «Nghị quyết 76/NQ-CP ngày 15/7/2021: tối thiểu 90% năm 2025»."))

    constraint_fields = {"target_norm_years_order": "year_to", "target_norm_percent": "value"}

    class Meta:
        ordering = ["scheme", "year_from"]
        verbose_name = _("chỉ tiêu theo văn bản")
        verbose_name_plural = _("chỉ tiêu theo văn bản")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year_to__gte=models.F("year_from")), name="target_norm_years_order",
                violation_error_message=_("Năm kết thúc phải không nhỏ hơn năm bắt đầu."),
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=0) & models.Q(value__lte=100), name="target_norm_percent",
                violation_error_message=_("Chỉ tiêu phải nằm trong khoảng 0–100%."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()} {self.year_from}–{self.year_to}: {self.value}%"


class CampaignForm(ConstraintErrorsOnFields, models.Model):
    """Which questionnaire applies to which unit types or units in a campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="forms", verbose_name=_("đợt khảo sát"))
    questionnaire = models.ForeignKey("surveys.Questionnaire", on_delete=models.PROTECT, related_name="campaign_forms", verbose_name=_("phiếu"))
    unit_types = models.ManyToManyField(UnitType, blank=True, verbose_name=_("áp dụng cho loại đơn vị"))
    units = models.ManyToManyField(Unit, blank=True, verbose_name=_("áp dụng cho đơn vị"))

    constraint_fields = {"campaign_form_unique": "questionnaire"}

    class Meta:
        verbose_name = _("phiếu của đợt")
        verbose_name_plural = _("phiếu của đợt")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "questionnaire"], name="campaign_form_unique", violation_error_message=_("Phiếu này đã có trong đợt khảo sát.")
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign.code} · {self.questionnaire}"


WINDOW_ORDER_MESSAGE = _("Ngày kết thúc của kênh thu thập không được trước ngày bắt đầu.")


class ChannelWindow(ConstraintErrorsOnFields, models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="windows", verbose_name=_("đợt khảo sát"))
    channel = models.CharField(_("kênh"), max_length=12, choices=Channel.choices)
    start = models.DateField(_("từ ngày"))
    end = models.DateField(_("đến ngày"))
    unit_types = models.ManyToManyField(UnitType, blank=True, verbose_name=_("phục vụ loại đơn vị"))

    constraint_fields = {"window_period_order": "end"}

    class Meta:
        ordering = ["start"]
        verbose_name = _("kênh thu thập")
        verbose_name_plural = _("kênh thu thập")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="window_period_order",
                violation_error_message=WINDOW_ORDER_MESSAGE,
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.start:%d/%m/%Y}–{self.end:%d/%m/%Y}"

    def date_problems(self) -> dict[str, str]:
        """What is wrong with the window's dates, by field: ending before it starts, or reaching outside the
        campaign's fieldwork period (responses are collected only inside it)."""
        if not (self.start and self.end):
            return {}
        if self.end < self.start:
            return {"end": str(WINDOW_ORDER_MESSAGE)}
        campaign = self.campaign if self.campaign_id or ChannelWindow.campaign.is_cached(self) else None
        problems: dict[str, str] = {}
        if campaign is not None and campaign.fieldwork_start and self.start < campaign.fieldwork_start:
            problems["start"] = _("Kênh không được bắt đầu (%(day)s) trước ngày bắt đầu khảo sát của đợt (%(start)s).") % {
                "day": date_vi(self.start), "start": date_vi(campaign.fieldwork_start)
            }
        if campaign is not None and campaign.fieldwork_end and self.end > campaign.fieldwork_end:
            problems["end"] = _("Kênh không được kết thúc (%(day)s) sau ngày kết thúc khảo sát của đợt (%(end)s).") % {
                "day": date_vi(self.end), "end": date_vi(campaign.fieldwork_end)
            }
        return problems

    def clean(self) -> None:
        if problems := self.date_problems():
            raise ValidationError(problems)


class SampleQuota(ConstraintErrorsOnFields, models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="quotas", verbose_name=_("đợt khảo sát"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị"))
    channel = models.CharField(_("kênh"), max_length=12, choices=Channel.choices)
    form = models.ForeignKey(CampaignForm, on_delete=models.CASCADE, related_name="quotas", verbose_name=_("phiếu"))
    target = models.PositiveIntegerField(_("cỡ mẫu"))

    constraint_fields = {"quota_cell_unique": "unit"}

    class Meta:
        verbose_name = _("cỡ mẫu")
        verbose_name_plural = _("cỡ mẫu")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit", "channel", "form"], name="quota_cell_unique",
                violation_error_message=_("Đợt đã có cỡ mẫu cho đơn vị, kênh và phiếu này."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} · {self.get_channel_display()} · {self.target}"


class PopulationSource(models.TextChoices):
    IMPORT = "import", _("Nhập từ tệp Excel")
    FRAME = "frame", _("Đếm từ khung mẫu")
    ADMIN = "admin", _("Nhập tay")


class StratumPopulation(ConstraintErrorsOnFields, models.Model):
    """The population size N of one stratum of a campaign's design: a unit × channel quota cell (and a
    form, where the population is known per questionnaire). Weights are N / respondents of the stratum
    (reports.estimation); without sizes the estimates are unweighted."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="populations", verbose_name=_("đợt khảo sát"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị"))
    channel = models.CharField(_("kênh"), max_length=12, choices=Channel.choices)
    form = models.ForeignKey(CampaignForm, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("phiếu"))
    population = models.PositiveIntegerField(_("cỡ tổng thể (N)"))
    source = models.CharField(_("nguồn"), max_length=10, choices=PopulationSource.choices, default=PopulationSource.ADMIN)
    updated_at = models.DateTimeField(_("sửa lúc"), auto_now=True)

    constraint_fields = {
        "stratum_population_unique": "unit", "stratum_population_unique_without_form": "unit", "stratum_population_positive": "population",
    }

    class Meta:
        verbose_name = _("cỡ tổng thể của tầng")
        verbose_name_plural = _("cỡ tổng thể của các tầng")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit", "channel", "form"], name="stratum_population_unique",
                violation_error_message=_("Đợt đã có cỡ tổng thể cho đơn vị, kênh và phiếu này."),
            ),
            models.UniqueConstraint(
                fields=["campaign", "unit", "channel"], condition=models.Q(form__isnull=True), name="stratum_population_unique_without_form",
                violation_error_message=_("Đợt đã có cỡ tổng thể chung (không theo phiếu) cho đơn vị và kênh này."),
            ),
            models.CheckConstraint(
                condition=models.Q(population__gt=0), name="stratum_population_positive", violation_error_message=_("Cỡ tổng thể phải lớn hơn 0.")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} · {self.get_channel_display()}: N = {self.population}"


class FrameEntry(models.Model):
    """One person who completed a procedure (personal data: organiser's officials only)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="frame", verbose_name=_("đợt khảo sát"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị"))
    full_name = models.CharField(_("họ tên"), max_length=200)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    procedure = models.CharField(_("thủ tục"), max_length=300, blank=True)
    completed_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    source_row = models.PositiveIntegerField(_("dòng trong tệp"), default=0)

    class Meta:
        verbose_name = _("người trong khung mẫu")
        verbose_name_plural = _("khung mẫu")
        indexes = [models.Index(fields=["campaign", "unit"])]

    def __str__(self) -> str:
        return self.full_name


class ContactOutcome(models.TextChoices):
    """What one contact attempt came to; campaigns/fieldwork/dispositions.py maps each to an AAPOR code."""

    NO_ANSWER = "no_answer", _("Không nghe máy / không gặp")
    BUSY = "busy", _("Máy bận")
    WRONG_NUMBER = "wrong_number", _("Sai số / không phải người cần gặp")
    APPOINTMENT = "appointment", _("Hẹn gọi lại")
    REFUSED = "refused", _("Từ chối")
    MOVED_AWAY = "moved_away", _("Đã chuyển đi nơi khác")
    NOT_ELIGIBLE = "not_eligible", _("Không thuộc đối tượng khảo sát")
    LANGUAGE = "language", _("Rào cản ngôn ngữ")
    OTHER = "other", _("Lý do khác")
    PARTIAL = "partial", _("Phỏng vấn dở dang")
    COMPLETED = "completed", _("Hoàn thành phỏng vấn")


class AssignmentStatus(models.TextChoices):
    """Where a case stands: open (pending) or closed with one of the AAPOR groups (campaigns/fieldwork/dispositions.py)."""

    PENDING = "pending", _("Đang liên hệ")
    DONE = "done", _("Đã phỏng vấn")
    PARTIAL = "partial", _("Phỏng vấn dở dang")
    REFUSED = "refused", _("Từ chối")
    UNREACHABLE = "unreachable", _("Không liên hệ được")
    OTHER = "other", _("Không phỏng vấn được (lý do khác)")
    UNKNOWN = "unknown", _("Không xác định được người được chọn")
    INELIGIBLE = "ineligible", _("Không thuộc đối tượng khảo sát")


class Assignment(models.Model):
    """A case: one drawn person (or an open desk/venue slot when frame_entry is empty) for an enumerator.

    Primary cases are active from the draw; a reserve becomes active when it is released
    (`released_at`, campaigns.fieldwork.services.reserve_release). A case ends once: an interview, or a
    final outcome of its contact attempts, recorded as an AAPOR disposition code.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("đợt khảo sát"))
    quota = models.ForeignKey(SampleQuota, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("cỡ mẫu"))
    frame_entry = models.OneToOneField(
        FrameEntry, null=True, blank=True, on_delete=models.CASCADE, related_name="assignment", verbose_name=_("người trong khung mẫu")
    )
    enumerator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assignments", verbose_name=_("điều tra viên")
    )
    is_reserve = models.BooleanField(_("dự phòng"), default=False)
    draw_order = models.PositiveIntegerField(_("thứ tự rút"), default=0)
    status = models.CharField(_("trạng thái"), max_length=12, choices=AssignmentStatus.choices, default=AssignmentStatus.PENDING)
    disposition = models.CharField(_("mã kết quả AAPOR"), max_length=6, blank=True)
    released_at = models.DateTimeField(_("dùng dự phòng lúc"), null=True, blank=True)
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("thay cho trường hợp")
    )
    attempt_count = models.PositiveSmallIntegerField(_("số lần liên hệ"), default=0)
    last_attempt_at = models.DateTimeField(_("liên hệ gần nhất"), null=True, blank=True)
    contacted = models.BooleanField(_("đã gặp được người trả lời"), default=False)
    appointment_at = models.DateTimeField(_("hẹn lúc"), null=True, blank=True)
    closed_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    closed_outcome = models.CharField(_("kết quả cuối"), max_length=20, blank=True, choices=ContactOutcome.choices)

    class Meta:
        ordering = ["quota", "is_reserve", "draw_order"]
        verbose_name = _("phân công")
        verbose_name_plural = _("phân công")
        indexes = [models.Index(fields=["enumerator", "status"]), models.Index(fields=["campaign", "status"])]
        constraints = [
            # A reserve is released once, and only a reserve is released.
            models.CheckConstraint(
                condition=models.Q(released_at__isnull=True) | models.Q(is_reserve=True), name="assignment_release_only_reserves",
                violation_error_message=_("Chỉ trường hợp dự phòng mới được đưa vào dùng."),
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending", closed_at__isnull=True) | (~models.Q(status="pending") & models.Q(closed_at__isnull=False)),
                name="assignment_closed_when_final",
                violation_error_message=_("Trường hợp đang liên hệ chưa có thời điểm kết thúc; trường hợp đã có kết quả phải có thời điểm kết thúc."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign.code} #{self.pk}"

    @property
    def is_active(self) -> bool:
        """Part of the released sample: a primary case, or a reserve that was released."""
        return not self.is_reserve or self.released_at is not None

    @property
    def is_open(self) -> bool:
        return self.status == AssignmentStatus.PENDING


class ContactAttempt(models.Model):
    """One attempt to reach a case: when, by which channel, with what outcome (campaigns/fieldwork/dispositions.py)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("trường hợp"))
    at = models.DateTimeField(_("thời điểm"), db_index=True)
    channel = models.CharField(_("kênh"), max_length=12, choices=Channel.choices)
    outcome = models.CharField(_("kết quả"), max_length=20, choices=ContactOutcome.choices)
    appointment_at = models.DateTimeField(_("hẹn lúc"), null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    enumerator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("người liên hệ")
    )
    source = models.CharField(_("nguồn"), max_length=10, default="web")
    created_at = models.DateTimeField(_("ghi lúc"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("lần liên hệ")
        verbose_name_plural = _("lần liên hệ")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(appointment_at__isnull=True) | models.Q(appointment_at__gt=models.F("at")), name="attempt_appointment_after_attempt",
                violation_error_message=_("Giờ hẹn gọi lại phải sau thời điểm liên hệ."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id} {self.at:%d/%m/%Y %H:%M} {self.outcome}"
