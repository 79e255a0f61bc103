"""Questionnaires (sections, questions) and the responses collected against them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from campaigns.models import Assignment, Campaign, CampaignForm, Channel
from units.constraints import ConstraintErrorsOnFields
from units.models import Unit


class QuestionnaireStatus(models.TextChoices):
    DRAFT = "draft", _("Nháp")
    FROZEN = "frozen", _("Đã khoá (đang dùng)")


class Questionnaire(ConstraintErrorsOnFields, models.Model):
    """A questionnaire belongs to a unit (`owner`) and is edited only by that unit's officials; others copy it.
    Without an owner it is a shared template (the built-in ones), which only superusers change."""

    code = models.SlugField(_("mã"), max_length=60)
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    title = models.CharField(_("tiêu đề"), max_length=255)
    title_en = models.CharField(_("tiêu đề tiếng Anh"), max_length=255, blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=QuestionnaireStatus.choices, default=QuestionnaireStatus.DRAFT)
    # The language of the main texts (code, e.g. "vi", "en", or a name as the XLSForm wrote it); blank: not declared.
    language = models.CharField(_("ngôn ngữ"), max_length=10, default="vi", blank=True)
    xlsform_version = models.CharField(
        _("phiên bản ghi trong XLSForm"), max_length=60, blank=True, help_text=_("Phiên bản như tệp XLSForm đã ghi (ví dụ «2024-05-01»); xuất lại đúng như vậy.")
    )
    template = models.SlugField(_("mẫu gốc"), max_length=40, blank=True)
    owner = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questionnaires",
        verbose_name=_("đơn vị sở hữu"),
        help_text=_("Cán bộ của đơn vị này (và cấp trên) sửa được phiếu; đơn vị khác sao chép để dùng. Để trống: phiếu mẫu dùng chung, chỉ quản trị hệ thống sửa."),
    )
    parts = models.JSONField(
        _("các phần của chỉ số"), default=list, blank=True,
        help_text=_(
            "Chỉ số gồm nhiều phần (ví dụ SIPAS: chính sách và cung ứng dịch vụ): danh sách "
            "{\"code\", \"title\", \"weight\" (%), \"rule\" (\"mean\" hoặc \"pooled\"), \"source\", \"confirmed\"}; "
            "mỗi phần (khía cạnh) ghi mã phần của mình. Để trống: chỉ số chung tính từ mọi khía cạnh."
        ),
    )
    # An imported questionnaire's roles are the file's: an official confirms them before a campaign may use it.
    # The languages the form declares, as written in its label::<language> columns, in order: [{"name", "slot"}],
    # slot "vi" for the language held in the `text` fields, "en" for `text_en`, "" for the others (held in
    # `translations`); empty: Vietnamese and English as in the built-in templates (surveys.translations).
    languages = models.JSONField(_("các ngôn ngữ của phiếu"), default=list, blank=True)
    default_language = models.CharField(_("ngôn ngữ mặc định"), max_length=100, blank=True)
    roles_pending = models.BooleanField(_("vai trò câu hỏi chờ xác nhận"), default=False, editable=False)
    roles_confirmed_at = models.DateTimeField(_("vai trò câu hỏi được xác nhận lúc"), null=True, blank=True, editable=False)
    roles_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False,
        verbose_name=_("người xác nhận vai trò câu hỏi"),
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    constraint_fields = {"questionnaire_version_unique_any_case": "code"}

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("phiếu khảo sát")
        verbose_name_plural = _("phiếu khảo sát")
        # A code is the questionnaire's name as people write it (an XLSForm's form_id, case kept): the same
        # code in another case is the same questionnaire, so versions are numbered regardless of case.
        constraints = [
            models.UniqueConstraint(
                Upper("code"), "version", name="questionnaire_version_unique_any_case",
                violation_error_message=_("Đã có phiếu mang mã này với phiên bản này (không phân biệt chữ hoa, chữ thường)."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class Section(ConstraintErrorsOnFields, models.Model):
    """An element of the questionnaire, e.g. "Tiếp cận dịch vụ"."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="sections", verbose_name=_("phiếu khảo sát"))
    code = models.SlugField(_("mã"), max_length=60)
    title = models.CharField(_("tiêu đề"), max_length=255)
    title_en = models.CharField(_("tiêu đề tiếng Anh"), max_length=255, blank=True)
    order = models.PositiveIntegerField(_("thứ tự"), default=0)
    relevant = models.CharField(_("điều kiện hiển thị"), max_length=500, blank=True)
    part = models.SlugField(_("thuộc phần chỉ số"), max_length=20, blank=True, help_text=_("Mã một phần trong «các phần của chỉ số» của phiếu; để trống nếu phiếu không chia phần."))
    translations = models.JSONField(_("bản dịch"), default=dict, blank=True)  # {language: {"label": …}}, surveys.translations

    constraint_fields = {"section_code_unique": "code"}

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("phần (khía cạnh)")
        verbose_name_plural = _("phần (khía cạnh)")
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "code"], name="section_code_unique", violation_error_message=_("Phiếu đã có phần mang mã này."))
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"


class QuestionType(models.TextChoices):
    LIKERT5 = "likert5", _("Thang 5 mức")
    LIKERT4 = "likert4", _("Thang 4 mức")
    SINGLE = "single", _("Chọn một")
    MULTI = "multi", _("Chọn nhiều")
    YES_NO = "yes_no", _("Có / Không")
    NUMBER = "number", _("Số")
    TEXT = "text", _("Văn bản")
    DATE = "date", _("Ngày")
    NOTE = "note", _("Ghi chú (không trả lời)")
    CALCULATE = "calculate", _("Giá trị tính (không hỏi)")
    META = "meta", _("Siêu dữ liệu (hệ thống ghi)")


SCALED_TYPES = frozenset({QuestionType.LIKERT5, QuestionType.LIKERT4})


class QuestionRole(models.TextChoices):
    """What a question's answers count for; set by the questionnaire's author, never guessed from its codes."""

    INDEX = "index", _("Câu hỏi hài lòng (tính vào chỉ số)")
    EXPECTATION = "expectation", _("Đáp ứng mong đợi")
    RETURN = "return", _("Quay lại / giới thiệu")
    PROFILE = "profile", _("Thông tin người trả lời")
    OTHER = "other", _("Không tính vào chỉ số")
CHOICE_TYPES = frozenset({QuestionType.LIKERT5, QuestionType.LIKERT4, QuestionType.SINGLE, QuestionType.MULTI, QuestionType.YES_NO})


class Question(ConstraintErrorsOnFields, models.Model):
    """One question. `choices` is a list of {"value": int, "name": str, "label": str, "label_en": str} and, from an
    XLSForm, "labels" ({language: label} in its other languages) and "columns" ({column: value}, read by choice_filter)."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions", verbose_name=_("phiếu khảo sát"))
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions", verbose_name=_("phần"))
    code = models.SlugField(_("mã"), max_length=60)
    text = models.TextField(_("nội dung"))
    text_en = models.TextField(_("nội dung tiếng Anh"), blank=True)
    hint = models.CharField(_("gợi ý"), max_length=500, blank=True)
    type = models.CharField(_("loại"), max_length=10, choices=QuestionType.choices)
    required = models.BooleanField(_("bắt buộc"), default=False)
    choices = models.JSONField(_("lựa chọn"), default=list, blank=True)
    choice_list = models.SlugField(_("tên danh sách lựa chọn"), max_length=60, blank=True)
    satisfied_levels = models.JSONField(_("mức được tính là hài lòng"), default=list, blank=True)
    missing_codes = models.JSONField(_("mã thiếu (không biết / không trả lời)"), default=list, blank=True)
    relevant = models.CharField(_("điều kiện hiển thị"), max_length=500, blank=True)
    constraint = models.CharField(_("ràng buộc"), max_length=500, blank=True)
    constraint_message = models.CharField(_("thông báo khi sai ràng buộc"), max_length=255, blank=True)
    min_value = models.DecimalField(_("giá trị nhỏ nhất"), max_digits=12, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(_("giá trị lớn nhất"), max_digits=12, decimal_places=2, null=True, blank=True)
    role = models.CharField(
        _("vai trò"), max_length=12, choices=QuestionRole.choices, default=QuestionRole.OTHER,
        help_text=_("Câu hỏi hài lòng: tính vào chỉ số theo các mức hài lòng và mã thiếu đã đặt. Các vai trò khác không tính vào chỉ số."),
    )
    appearance = models.CharField(_("hiển thị"), max_length=60, blank=True)
    # surveys.calculations: the expression of a `calculate` question, the kind of a `meta` one (start, end, today, ...).
    calculation = models.CharField(
        _("biểu thức tính"), max_length=500, blank=True,
        help_text=_("Giá trị tính: biểu thức XLSForm (calculation). Siêu dữ liệu: start, end, today, deviceid hoặc username."),
    )
    # An XLSForm choice_filter over the choices' columns (surveys.cascades); each choice may carry "columns".
    choice_filter = models.CharField(_("bộ lọc lựa chọn"), max_length=500, blank=True)
    default_value = models.CharField(_("giá trị mặc định"), max_length=255, blank=True)
    required_message = models.CharField(_("thông báo khi bỏ trống câu bắt buộc"), max_length=255, blank=True)
    read_only = models.BooleanField(_("chỉ đọc"), default=False)
    # Labels, hints and messages in the form's other languages: {language: {"label", "hint", ...}} (surveys.translations).
    translations = models.JSONField(_("bản dịch"), default=dict, blank=True)
    # A number question's XLSForm type (integer, decimal, range) and parameters, so that the export gives them back.
    xlsform_type = models.CharField(_("loại trong XLSForm"), max_length=20, blank=True)
    parameters = models.CharField(_("tham số XLSForm"), max_length=255, blank=True)
    order = models.PositiveIntegerField(_("thứ tự"), default=0)

    constraint_fields = {"question_code_unique": "code"}

    class Meta:
        ordering = ["section__order", "order", "pk"]
        verbose_name = _("câu hỏi")
        verbose_name_plural = _("câu hỏi")
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "code"], name="question_code_unique", violation_error_message=_("Phiếu đã có câu hỏi mang mã này.")
            )
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.text[:80]}"

    @property
    def counts_in_index(self) -> bool:
        """Whether the answers count in the index (role «satisfaction item»); setting True makes it one."""
        return self.role == QuestionRole.INDEX

    @counts_in_index.setter
    def counts_in_index(self, value: bool) -> None:
        if value:
            self.role = QuestionRole.INDEX
        elif self.role == QuestionRole.INDEX:
            self.role = QuestionRole.OTHER


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", _("Nháp")
    SUBMITTED = "submitted", _("Đã gửi")
    APPROVED = "approved", _("Đã duyệt")
    REJECTED = "rejected", _("Bị loại")
    ON_HOLD = "on_hold", _("Tạm giữ")
    RETURNED = "returned", _("Gửi lại điều tra viên")


class ResponseSource(models.TextChoices):
    WEB = "web", _("Nhập trên web")
    OFFLINE = "offline", _("Gửi lại khi có mạng")
    IMPORT = "import", _("Nhập từ Excel")
    API = "api", _("API")


class Response(models.Model):
    """One filled questionnaire; `uuid` comes from the client and is the idempotency key."""

    uuid = models.UUIDField(_("mã phiếu (UUID)"), default=uuid.uuid4, unique=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="responses", verbose_name=_("đợt khảo sát"))
    form = models.ForeignKey(CampaignForm, on_delete=models.PROTECT, related_name="responses", verbose_name=_("phiếu của đợt"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="responses", verbose_name=_("đơn vị"))
    channel = models.CharField(_("kênh"), max_length=12, choices=Channel.choices)
    enumerator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses", verbose_name=_("điều tra viên")
    )
    assignment = models.ForeignKey(Assignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses", verbose_name=_("trường hợp"))
    status = models.CharField(_("trạng thái"), max_length=10, choices=ResponseStatus.choices, default=ResponseStatus.SUBMITTED)
    source = models.CharField(_("nguồn"), max_length=10, choices=ResponseSource.choices, default=ResponseSource.WEB)
    started_at = models.DateTimeField(_("bắt đầu"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("thời điểm gửi"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("sửa lúc"), auto_now=True, db_index=True)
    duration_seconds = models.PositiveIntegerField(_("thời lượng (giây)"), null=True, blank=True)
    profile = models.JSONField(_("thông tin người trả lời"), default=dict, blank=True)
    content_hash = models.CharField(_("dấu nội dung"), max_length=64, blank=True)
    # What the entry page measured (surveys.quality.paradata): seconds per section and question, answer
    # changes, the device's time-zone offset, the location where asked; kept as sent, absurd values flagged.
    paradata = models.JSONField(_("dữ liệu quá trình"), default=dict, blank=True)
    # The respondent's phone (normal form, units.phones) and name (lower case, single spaces), from the
    # profile or the case's frame row: what the duplicate-respondent flag compares. Personal data.
    respondent_phone = models.CharField(_("điện thoại người trả lời"), max_length=20, blank=True)
    respondent_name = models.CharField(_("họ tên người trả lời"), max_length=200, blank=True)
    # 1 for the first submission; each resubmission after a send-back adds one (ResponseVersion keeps the earlier).
    version = models.PositiveSmallIntegerField(_("phiên bản"), default=1)
    # Online self-survey: "t:<token>" or "d:<campaign>:<device>"; unique, so one response per token or device.
    online_key = models.CharField(_("khoá phiếu trực tuyến"), max_length=120, null=True, blank=True, unique=True, editable=False)
    review_reason = models.CharField(_("lý do"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("người duyệt"))
    reviewed_at = models.DateTimeField(_("duyệt lúc"), null=True, blank=True)
    # Written with the answers (surveys.services.answers.answers_create) so that full satisfaction is a
    # GROUP BY over responses; NULL = not computed (rows written before these fields), the engine then
    # recounts from the answers.
    index_valid = models.PositiveSmallIntegerField(_("số câu chỉ số trả lời hợp lệ"), null=True, blank=True, editable=False)
    index_unsatisfied = models.PositiveSmallIntegerField(_("số câu chỉ số chưa hài lòng"), null=True, blank=True, editable=False)
    # The level answered to each index question of the questionnaire (surveys.rules.index_pattern), written
    # with the counts: the engine's design-based variances need each response's answers together; NULL
    # = not computed, the engine then reads the answers.
    index_pattern = models.TextField(_("mẫu câu trả lời chỉ số"), null=True, blank=True, editable=False)  # noqa: DJ001 (NULL: not computed; "": no index question)

    class Meta:
        verbose_name = _("phiếu trả lời")
        verbose_name_plural = _("phiếu trả lời")
        indexes = [
            # with the unit: the incremental recompute counts each unit's counted responses from this index alone
            models.Index(fields=["campaign", "status", "unit"], name="surveys_res_campaig_6deee2_idx"),
            # Also the index engine's read (reports.tallies): it carries every column the engine reads of a
            # response, so that a chunk of units reads only its units' index entries, never the table (issue 19).
            models.Index(
                fields=["campaign", "unit", "channel"], name="surveys_res_campaig_9dfb75_idx",
                include=["status", "form", "index_valid", "index_unsatisfied", "index_pattern", "profile"],
            ),
            models.Index(fields=["campaign", "respondent_phone"], name="response_phone", condition=~models.Q(respondent_phone="")),
            # Finds at once whether a campaign has responses without index counts (empty once all have them).
            models.Index(
                fields=["campaign"], name="response_counts_missing",
                condition=models.Q(index_valid__isnull=True) | models.Q(index_unsatisfied__isnull=True),
            ),
        ]
        constraints = [
            # One interview per drawn person: drafts and rejected responses are not the case's interview
            # (surveys.services.responses.NOT_AN_INTERVIEW).
            models.UniqueConstraint(
                fields=["assignment"],
                condition=models.Q(assignment__isnull=False) & ~models.Q(status__in=["draft", "rejected"]),
                name="response_one_interview_per_case",
                violation_error_message=_("Người này đã được phỏng vấn."),
            )
        ]

    def __str__(self) -> str:
        return str(self.uuid)


class Answer(models.Model):
    """One answered question. Scaled and choice answers hold an integer level so aggregation is a GROUP BY.

    Campaign, unit and channel are copied from the response so the index tally needs no join.
    A multi-choice answer is one row per chosen option.

    No column of this table is a foreign key in the database. PostgreSQL checks each foreign key of
    each inserted row at commit, 40 rows × 4 keys per submission, each check a lookup that locks the
    parent row (the campaign, unit and questions are shared by every concurrent submission): 2.4 ms of
    PostgreSQL's 3.3 ms per submission, measured in bench/submit.py. The keys are kept by the one
    writer instead: `surveys.services.answers.answers_create` inserts a response's answers in the
    transaction that inserts the response, copies campaign and unit from it, and takes questions only
    from the compiled questionnaire of its form. Deleting goes through Django, which still applies
    on_delete (CASCADE with the response or campaign, PROTECT for questions; a unit is protected by its
    responses).
    """

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers", db_constraint=False, verbose_name=_("phiếu trả lời"))
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers", db_constraint=False, verbose_name=_("câu hỏi"))
    # The (campaign, question, value) index serves lookups by campaign, so no index of its own.
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False, verbose_name=_("đợt khảo sát"))
    # A unit with answers has responses, and Response.unit protects it: no check (and no index) here.
    unit = models.ForeignKey(Unit, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False, verbose_name=_("đơn vị"))
    channel = models.CharField(_("kênh"), max_length=12, choices=Channel.choices)
    value = models.IntegerField(_("giá trị"), null=True, blank=True)
    number = models.DecimalField(_("số"), max_digits=14, decimal_places=4, null=True, blank=True)
    text = models.TextField(_("văn bản"), blank=True)

    class Meta:
        verbose_name = _("câu trả lời")
        verbose_name_plural = _("câu trả lời")
        indexes = [models.Index(fields=["campaign", "question", "value"])]

    def __str__(self) -> str:
        return f"{self.question_id}={self.value if self.value is not None else self.number or self.text}"


class FlagKind(models.TextChoices):
    TOO_FAST = "too_fast", _("Quá nhanh")
    STRAIGHT_LINE = "straight_line", _("Trả lời một mức")
    DUPLICATE = "duplicate", _("Người trả lời trùng")
    ODD_HOURS = "odd_hours", _("Ngoài giờ hoặc ngoài thời gian thu thập")
    ENUMERATOR_OUTLIER = "enumerator_outlier", _("Điều tra viên khác biệt")
    PARADATA = "paradata", _("Dữ liệu quá trình bất thường")
    BACKCHECK = "backcheck", _("Phúc tra không khớp")


class ResponseFlag(models.Model):
    """A reason to look at a response again, computed on the server (surveys.quality.flags) by a rule of the
    campaign's QualityRules; a flag never rejects a response by itself."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="flags", verbose_name=_("phiếu trả lời"))
    kind = models.CharField(_("loại cờ"), max_length=20, choices=FlagKind.choices)
    message = models.CharField(_("lý do"), max_length=500)
    detail = models.JSONField(_("chi tiết"), default=dict, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("cờ chất lượng")
        verbose_name_plural = _("cờ chất lượng")
        constraints = [
            models.UniqueConstraint(fields=["response", "kind"], name="flag_one_per_kind", violation_error_message=_("Phiếu đã có cờ loại này."))
        ]
        indexes = [models.Index(fields=["kind", "response"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message}"


class ResponseVersion(models.Model):
    """An earlier version of a response, kept when the enumerator resubmits it after a send-back: its answers
    (code → value as submitted), paradata and review. The response itself always holds the latest version."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="versions", verbose_name=_("phiếu trả lời"))
    number = models.PositiveSmallIntegerField(_("phiên bản"))
    answers = models.JSONField(_("câu trả lời"), default=dict)
    paradata = models.JSONField(_("dữ liệu quá trình"), default=dict, blank=True)
    duration_seconds = models.PositiveIntegerField(_("thời lượng (giây)"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("thời điểm gửi"), null=True, blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=ResponseStatus.choices)
    review_reason = models.CharField(_("lý do"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("người duyệt"))
    reviewed_at = models.DateTimeField(_("duyệt lúc"), null=True, blank=True)
    # The submission that replaced this version (its client UUID): a resend of it is recognised, never saved twice.
    replaced_by_uuid = models.UUIDField(_("mã lần gửi thay thế"), unique=True, null=True, blank=True)
    replaced_by_hash = models.CharField(_("dấu nội dung lần gửi thay thế"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("phiên bản phiếu")
        verbose_name_plural = _("phiên bản phiếu")
        ordering = ["response", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "number"], name="response_version_unique", violation_error_message=_("Phiếu đã có phiên bản mang số này.")
            )
        ]

    def __str__(self) -> str:
        return f"{self.response_id} v{self.number}"


class RevisionKind(models.TextChoices):
    CORRECTION = "correction", _("Sửa khi duyệt")
    RESUBMISSION = "resubmission", _("Điều tra viên gửi lại")


class AnswerRevision(models.Model):
    """One changed answer: who, when, why, the old and the new value (as shown: levels with their labels).
    Written by the one writer of answers (surveys.services.answers) for corrections and resubmissions."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("phiếu trả lời"))
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+", verbose_name=_("câu hỏi"))
    kind = models.CharField(_("loại"), max_length=12, choices=RevisionKind.choices)
    version = models.PositiveSmallIntegerField(_("phiên bản"), default=1)
    old_value = models.TextField(_("giá trị cũ"), blank=True)
    new_value = models.TextField(_("giá trị mới"), blank=True)
    reason = models.CharField(_("lý do"), max_length=500)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("người sửa"))
    changed_at = models.DateTimeField(_("lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("lịch sử sửa câu trả lời")
        verbose_name_plural = _("lịch sử sửa câu trả lời")
        ordering = ["response", "changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.old_value} → {self.new_value}"


class BackCheckStatus(models.TextChoices):
    PENDING = "pending", _("Chờ phúc tra")
    DONE = "done", _("Đã phúc tra")
    UNREACHED = "unreached", _("Không liên hệ được")


class BackCheck(models.Model):
    """A completed interview drawn for a back-check (phúc tra): a supervisor re-contacts the respondent and
    asks a few verification questions (surveys.quality.backchecks). The draw is reproducible from `seed`."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", verbose_name=_("đợt khảo sát"))
    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="backcheck", verbose_name=_("phiếu trả lời"))
    enumerator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("điều tra viên"))
    seed = models.BigIntegerField(_("hạt giống"))
    items = models.JSONField(_("câu hỏi lặp lại"), default=list, blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=BackCheckStatus.choices, default=BackCheckStatus.PENDING)
    interviewed = models.BooleanField(_("có được phỏng vấn"), null=True, blank=True)
    date_matches = models.BooleanField(_("đúng ngày"), null=True, blank=True)
    channel_matches = models.BooleanField(_("đúng kênh"), null=True, blank=True)
    answers = models.JSONField(_("câu trả lời khi phúc tra"), default=dict, blank=True)
    discrepancy = models.BooleanField(_("không khớp"), null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    drawn_at = models.DateTimeField(_("chọn lúc"), auto_now_add=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("người phúc tra"))
    checked_at = models.DateTimeField(_("phúc tra lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("phúc tra")
        verbose_name_plural = _("phúc tra")
        indexes = [models.Index(fields=["campaign", "enumerator"])]

    def __str__(self) -> str:
        return f"{self.response_id}: {self.get_status_display()}"
