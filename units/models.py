"""The unit tree (provinces, communes, departments, hospitals, ...), memberships, personal API keys and the audit log."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units.constraints import ConstraintErrorsOnFields

PATH_SEPARATOR = "/"

# Built-in unit types: (code, Vietnamese name, English name). Officials may add more in the admin.
DEFAULT_UNIT_TYPES: list[tuple[str, str, str]] = [
    ("province", "Tỉnh / Thành phố", "Province"),
    ("district", "Quận / Huyện (trước 07/2025)", "District (before 07/2025)"),
    ("commune", "Xã / Phường / Đặc khu", "Commune / ward / special zone"),
    ("department", "Sở, ban, ngành", "Department"),
    ("agency", "Cơ quan, đơn vị", "Agency"),
    ("hospital", "Bệnh viện", "Hospital"),
    ("health_centre", "Trung tâm y tế", "Health centre"),
    ("health_station", "Trạm y tế", "Health station"),
    ("public_service_centre", "Trung tâm phục vụ hành chính công", "Public service centre"),
    ("other", "Khác", "Other"),
]


class UnitType(models.Model):
    """A kind of unit; officials may add their own in the admin."""

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=120)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=120, blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=100)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("loại đơn vị")
        verbose_name_plural = _("loại đơn vị")

    def __str__(self) -> str:
        return self.name


class Unit(ConstraintErrorsOnFields, models.Model):
    """A node of the unit tree; `path` is the materialised chain of codes from the root ("56/22330/")."""

    code = models.CharField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    type = models.ForeignKey(UnitType, on_delete=models.PROTECT, related_name="units", verbose_name=_("loại"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("đơn vị cha")
    )
    path = models.CharField(_("đường dẫn"), max_length=1000, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("cấp"), default=0, editable=False)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
        verbose_name=_("đơn vị kế thừa"),
        help_text=_("Đơn vị mới sau sáp nhập, để so sánh số liệu giữa các năm."),
    )

    constraint_fields = {"unit_valid_range": "valid_to", "unit_code_no_slash": "code", "unit_code_unique_any_case": "code"}

    class Meta:
        ordering = ["path"]
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_range",
                violation_error_message=_("Ngày hết hiệu lực không được trước ngày bắt đầu hiệu lực."),
            ),
            models.CheckConstraint(
                condition=~models.Q(code__contains=PATH_SEPARATOR), name="unit_code_no_slash",
                violation_error_message=_("Mã đơn vị không được chứa dấu «/»."),
            ),
            # People type codes in any case ("kh-syt" for KH-SYT), so two codes may not differ only by case.
            models.UniqueConstraint(
                Upper("code"), name="unit_code_unique_any_case", violation_error_message=_("Đã có đơn vị mang mã này (không phân biệt chữ hoa, chữ thường).")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id else ""
        return f"{prefix}{self.code}{PATH_SEPARATOR}"


class Role(models.TextChoices):
    OFFICIAL = "official", _("Cán bộ quản lý khảo sát")
    SUPERVISOR = "supervisor", _("Giám sát viên")
    ENUMERATOR = "enumerator", _("Điều tra viên")
    UNIT_MANAGER = "unit_manager", _("Lãnh đạo đơn vị")
    LEADERSHIP = "leadership", _("Lãnh đạo (xem báo cáo)")
    VIEWER = "viewer", _("Người xem")


# Roles that may change data at their units (submit responses, hold a personal API key for that); the rest only read.
WRITE_ROLES = frozenset({Role.OFFICIAL, Role.SUPERVISOR, Role.ENUMERATOR})
# Roles that read results (dashboards, unit pages, exports); enumerators collect and see only their progress.
RESULT_ROLES = frozenset({Role.OFFICIAL, Role.SUPERVISOR, Role.UNIT_MANAGER, Role.LEADERSHIP, Role.VIEWER})


class Membership(ConstraintErrorsOnFields, models.Model):
    """A user's role at a unit; it covers the unit's whole subtree."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("người dùng"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("đơn vị"))
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    constraint_fields = {"membership_unique": "role"}

    class Meta:
        verbose_name = _("phân quyền")
        verbose_name_plural = _("phân quyền")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit", "role"], name="membership_unique",
                violation_error_message=_("Người dùng này đã có vai trò này tại đơn vị này."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.unit.name}"


class AuditEntry(models.Model):
    """Who changed what, when: written by the services, never by views.

    `unit` is the unit the change concerns (a campaign's organiser, a response's unit, a questionnaire's
    owner): the log is read through it, by the officials of that unit's subtree. Changes to nothing
    below a unit (unit types, shared templates, API keys) have none and are read by superusers only.
    """

    at = models.DateTimeField(_("thời điểm"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("người thực hiện")
    )
    action = models.CharField(_("hành động"), max_length=60)
    object_type = models.CharField(_("loại đối tượng"), max_length=60)
    object_id = models.CharField(_("mã đối tượng"), max_length=60)
    object_repr = models.CharField(_("đối tượng"), max_length=255)
    changes = models.JSONField(_("thay đổi"), default=dict, blank=True)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("đơn vị liên quan")
    )

    class Meta:
        ordering = ["-at"]
        verbose_name = _("nhật ký thay đổi")
        verbose_name_plural = _("nhật ký thay đổi")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.action} {self.object_repr}"


# Every key starts with this, so that a leaked one is recognisable (e.g. by secret scanners).
API_KEY_PREFIX = "hl_"
# How many leading characters of a key are stored and shown, to tell keys apart.
API_KEY_SHOWN_CHARS = 8


def api_key_digest(raw: str) -> str:
    """What is stored for a key: its sha256 in hex (the key itself is never stored)."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiTokenState(models.TextChoices):
    ACTIVE = "active", _("Đang dùng")
    EXPIRED = "expired", _("Đã hết hạn")
    REVOKED = "revoked", _("Đã thu hồi")


class ApiToken(models.Model):
    """A personal key with which an external tool calls the JSON API as its user; only the key's sha256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("người dùng")
    )
    name = models.CharField(_("tên khoá"), max_length=100, help_text=_("Khoá dùng cho việc gì, ví dụ «Tổng đài 1022»."))
    prefix = models.CharField(_("đầu khoá"), max_length=API_KEY_SHOWN_CHARS, editable=False)
    key_hash = models.CharField(_("mã băm của khoá"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người tạo"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("khoá API")
        verbose_name_plural = _("khoá API")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_creation",
                violation_error_message=_("Khoá phải hết hạn sau thời điểm tạo khoá."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def state(self) -> ApiTokenState:
        if self.revoked_at is not None:
            return ApiTokenState.REVOKED
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return ApiTokenState.EXPIRED
        return ApiTokenState.ACTIVE


class Heartbeat(models.Model):
    """The last sign of life of a background process (a worker of each queue, beat), read by /healthz."""

    name = models.CharField(_("tiến trình"), max_length=100, primary_key=True)
    at = models.DateTimeField(_("lúc"))
    host = models.CharField(_("máy chủ"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("nhịp hoạt động")
        verbose_name_plural = _("nhịp hoạt động")

    def __str__(self) -> str:
        return f"{self.name} @ {self.at:%d/%m/%Y %H:%M:%S}"


class PasswordChangeRequired(models.Model):
    """The user signs in with a temporary password set by an official and must choose a new one first."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("người dùng"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("người đặt"))
    set_at = models.DateTimeField(_("đặt lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("mật khẩu tạm cần đổi")
        verbose_name_plural = _("mật khẩu tạm cần đổi")

    def __str__(self) -> str:
        return str(self.user)


class ImportStatus(models.TextChoices):
    REQUESTED = "requested", _("Đang chờ xử lý")
    RUNNING = "running", _("Đang nhập")
    DONE = "done", _("Đã nhập xong")
    FAILED = "failed", _("Không nhập được")


class ImportJob(models.Model):
    """An Excel import too large for a web request (units.import_jobs): the uploaded file waits here
    for a worker, which reports its progress and ends with a summary or the row-numbered errors."""

    kind = models.CharField(_("loại"), max_length=30)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="imports", verbose_name=_("người nhập"))
    params = models.JSONField(_("tham số"), default=dict, blank=True)
    file = models.FileField(_("tệp"), upload_to="imports/", blank=True)  # deleted once the job ends (it may hold personal data)
    file_name = models.CharField(_("tên tệp"), max_length=255, blank=True)
    rows = models.PositiveIntegerField(_("số dòng"), default=0)
    status = models.CharField(_("trạng thái"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.REQUESTED)
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    message = models.TextField(_("kết quả"), blank=True)
    errors = models.JSONField(_("lỗi"), default=list, blank=True)  # the first IMPORT_ERRORS_SHOWN, as text
    error_count = models.PositiveIntegerField(_("số lỗi"), default=0)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    sent_at = models.DateTimeField(_("chuyển cho tiến trình nền lúc"), null=True, blank=True)  # handed to the broker (the sweep resends one never taken)
    started_at = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    # The lease of the worker running it (units/jobs.py) and the claims so far; the attempt number fences a
    # worker that lost the job to another one.
    heartbeat_at = models.DateTimeField(_("còn chạy lúc"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần chạy"), default=0)
    finished_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("lượt nhập tệp")
        verbose_name_plural = _("lượt nhập tệp")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"


class AccountProfile(models.Model):
    """What a field staff account needs beyond Django's user: a phone, and who made it (units/people.py;
    its temporary password is a PasswordChangeRequired)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_profile", verbose_name=_("người dùng"))
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("người tạo")
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("hồ sơ tài khoản")
        verbose_name_plural = _("hồ sơ tài khoản")

    def __str__(self) -> str:
        return str(self.user)
