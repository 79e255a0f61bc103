"""Computed results: tallies straight from SQL, snapshots of index values, and export jobs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, CampaignForm, Channel
from surveys.models import Question
from units.models import Unit

# The engine's derived tables (tallies, counts, roll-ups) carry no database FK constraints and no
# per-column FK indexes (their unique constraint, led by the campaign and, for the leaf rows, the unit,
# serves every read, a chunk's units too): they are
# rebuilt from the answers on every recompute, deletes still cascade through the ORM, and checking and
# indexing tens of thousands of rows cost about a second of every recompute (docs/benchmarks.md).


class Tally(models.Model):
    """How many counted answers of `question` at `level` a leaf cell (unit × channel × form) has."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tallies", db_constraint=False, db_index=False, verbose_name=_("đợt khảo sát"))
    form = models.ForeignKey(CampaignForm, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False, verbose_name=_("phiếu của đợt"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False, verbose_name=_("đơn vị"))
    channel = models.CharField(_("kênh"), max_length=12, choices=Channel.choices)
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False, verbose_name=_("câu hỏi"))
    level = models.IntegerField(_("mức"))
    n = models.PositiveIntegerField(_("số câu trả lời"))

    class Meta:
        verbose_name = _("bảng đếm")
        verbose_name_plural = _("bảng đếm")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit", "form", "channel", "question", "level"], name="tally_cell_unique",
                violation_error_message=_("Bảng đếm đã có dòng cho câu hỏi và mức này tại ô (đơn vị, kênh, phiếu) này."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.question_id}@{self.unit_id}/{self.channel}: {self.level}×{self.n}"


class PeopleCounts(models.Model):
    """Counted responses, those with at least one valid index answer (respondents), and those whose
    every valid index answer is satisfied (hài lòng toàn diện)."""

    responses = models.PositiveIntegerField(_("số phiếu"), default=0)
    respondents = models.PositiveIntegerField(_("số người trả lời"), default=0)
    fully_satisfied = models.PositiveIntegerField(_("số người hài lòng toàn diện"), default=0)

    class Meta:
        abstract = True


class CellCount(PeopleCounts):
    """People counts of a leaf cell (unit × channel × form)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False, verbose_name=_("đợt khảo sát"))
    form = models.ForeignKey(CampaignForm, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False, verbose_name=_("phiếu của đợt"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False, verbose_name=_("đơn vị"))
    channel = models.CharField(_("kênh"), max_length=12, choices=Channel.choices)

    class Meta:
        verbose_name = _("số phiếu theo ô")
        verbose_name_plural = _("số phiếu theo ô")
        constraints = [models.UniqueConstraint(
                fields=["campaign", "unit", "form", "channel"], name="cell_count_unique",
                violation_error_message=_("Đã có số phiếu của ô (đơn vị, kênh, phiếu) này."),
            )]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.channel}: {self.responses}"


class CellMoments(models.Model):
    """The sums and cross-products of the estimation variables of a leaf cell's counted responses
    (form × unit × channel × sex × age group): what design-based estimates and their standard errors
    are computed from (reports.estimation). Integers, stored as little-endian int64 bytes (read back with
    one numpy call): `sums` holds Σv, `gram` the upper triangle of Σvvᵀ over the variables with
    cross-products, in the campaign's variable order (reports.estimation.sums.Variables)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False, verbose_name=_("đợt khảo sát"))
    form = models.ForeignKey(CampaignForm, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False, verbose_name=_("phiếu của đợt"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False, verbose_name=_("đơn vị"))
    channel = models.CharField(_("kênh"), max_length=12, choices=Channel.choices)
    sex = models.CharField(_("giới tính"), max_length=20, blank=True)
    age_group = models.CharField(_("nhóm tuổi"), max_length=20, blank=True)
    n = models.PositiveIntegerField(_("số phiếu"))
    sums = models.BinaryField(_("tổng các biến"))
    gram = models.BinaryField(_("tổng tích chéo các biến"))

    class Meta:
        verbose_name = _("tổng bình phương theo ô")
        verbose_name_plural = _("tổng bình phương theo ô")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit", "form", "channel", "sex", "age_group"], name="cell_moments_unique",
                violation_error_message=_("Đã có tổng bình phương của ô (đơn vị, kênh, phiếu, giới tính, nhóm tuổi) này."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.channel}/{self.sex}/{self.age_group}: {self.n}"


class SubtreeLevelCounts(models.Model):
    """How many counted answers of `question` at `level` a unit's whole subtree has."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False, verbose_name=_("đơn vị"))
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False, verbose_name=_("câu hỏi"))
    level = models.IntegerField(_("mức"))
    n = models.PositiveIntegerField(_("số câu trả lời"))

    class Meta:
        abstract = True


class SubtreeTally(SubtreeLevelCounts):
    """Tallies rolled up over a unit's whole subtree (all forms and channels); kept so that a change in
    one unit is merged into its ancestors instead of summing the whole tree again."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False, verbose_name=_("đợt khảo sát"))

    class Meta:
        verbose_name = _("bảng đếm cộng dồn")
        verbose_name_plural = _("bảng đếm cộng dồn")
        constraints = [models.UniqueConstraint(
                fields=["campaign", "unit", "question", "level"], name="subtree_tally_unique",
                violation_error_message=_("Bảng đếm cộng dồn đã có dòng cho đơn vị, câu hỏi và mức này."),
            )]

    def __str__(self) -> str:
        return f"{self.question_id}@{self.unit_id}: {self.level}×{self.n}"


class SubtreeCount(PeopleCounts):
    """`CellCount` rolled up over a unit's whole subtree."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False, verbose_name=_("đợt khảo sát"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False, verbose_name=_("đơn vị"))

    class Meta:
        verbose_name = _("số phiếu cộng dồn")
        verbose_name_plural = _("số phiếu cộng dồn")
        constraints = [models.UniqueConstraint(
                fields=["campaign", "unit"], name="subtree_count_unique",
                violation_error_message=_("Đã có số phiếu cộng dồn của đơn vị này."),
            )]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.responses}"


class RecomputeRun(models.Model):
    """A full recompute split into chunks of the unit tree; the chunk that finds all done finishes it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", verbose_name=_("đợt khảo sát"))
    started_at = models.DateTimeField(_("bắt đầu lúc"))
    dirty_seen = models.DateTimeField(_("mốc thay đổi đã tính đến"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lượt tính lại")
        verbose_name_plural = _("lượt tính lại")

    def __str__(self) -> str:
        return f"{self.campaign_id} @ {self.started_at:%d/%m/%Y %H:%M}"


class RecomputeChunk(models.Model):
    """One part of a run: the subtrees under `paths`, or (no paths) every unit outside the other chunks."""

    run = models.ForeignKey(RecomputeRun, on_delete=models.CASCADE, related_name="chunks", verbose_name=_("lượt tính lại"))
    paths = models.JSONField(_("các nhánh đơn vị"), default=list, blank=True)
    done = models.BooleanField(_("đã xong"), default=False)
    # The lease of the worker running the chunk (units/jobs.py): renewed every few seconds while it runs;
    # a chunk whose lease lapsed lost its worker and is sent again by the sweep (`attempts` caps that).
    heartbeat_at = models.DateTimeField(_("còn chạy lúc"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần chạy"), default=0)
    # What the chunk changed in its units' leaf rows (reports.tallies.LeafChanges, summed per unit), for
    # the run's end to merge into the roll-ups; None once merged, or taken in by a rebuild from the leaves.
    changes = models.JSONField(_("thay đổi của các dòng lá"), null=True, blank=True, default=None)

    class Meta:
        verbose_name = _("phần của lượt tính lại")
        verbose_name_plural = _("phần của lượt tính lại")

    def __str__(self) -> str:
        return f"{self.run_id}:{','.join(self.paths) or '*'}"


class SnapshotStatus(models.TextChoices):
    WORKING = "working", _("Đang cập nhật")
    PUBLISHED = "published", _("Đã công bố")


class Snapshot(models.Model):
    """A computed state of a campaign. A published snapshot never changes and carries a checksum."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("đợt khảo sát"))
    status = models.CharField(_("trạng thái"), max_length=10, choices=SnapshotStatus.choices, default=SnapshotStatus.WORKING)
    version = models.PositiveIntegerField(_("phiên bản"), default=0)
    computed_at = models.DateTimeField(_("tính lúc"), null=True, blank=True)
    published_at = models.DateTimeField(_("công bố lúc"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("người công bố")
    )
    responses = models.PositiveIntegerField(_("số phiếu"), default=0)
    # Fingerprint of the settings (scheme, options, counted statuses, questions) the values were computed with:
    # when it changes, the next recompute starts from scratch instead of merging what changed.
    basis = models.CharField(_("dấu cách tính"), max_length=64, blank=True)
    checksum = models.CharField(_("mã kiểm tra"), max_length=64, blank=True)
    workbook = models.FileField(_("tệp Excel"), upload_to="reports/published/", blank=True)
    # A published version's downloads and their SHA-256, which the public page prints so that anyone can
    # check a file with `sha256sum`; `figures` is the machine-readable JSON of the published values.
    workbook_sha256 = models.CharField(_("SHA-256 của tệp Excel"), max_length=64, blank=True)
    figures = models.FileField(_("tệp số liệu (JSON)"), upload_to="reports/published/", blank=True)
    figures_sha256 = models.CharField(_("SHA-256 của tệp số liệu"), max_length=64, blank=True)
    # The signed-format report (.docx, NĐ 30/2020/NĐ-CP) of the version, made at publication from the
    # frozen figures and the campaign's ReportHeading of that moment (reports/documents/report.py).
    document = models.FileField(_("báo cáo (Word)"), upload_to="reports/published/", blank=True)
    document_sha256 = models.CharField(_("SHA-256 của báo cáo (Word)"), max_length=64, blank=True)
    change_note = models.TextField(_("ghi chú thay đổi"), blank=True)  # what changed since the previous version, as the publisher wrote it
    # The working snapshot's last recompute, as officials see it: asked for (the "Tính lại ngay" button),
    # started, ended; `run_error` holds why the last run failed ("" when it succeeded). Written outside
    # the run's transaction, so a failed run leaves the previous figures and says why.
    run_requested_at = models.DateTimeField(_("yêu cầu tính lại lúc"), null=True, blank=True)
    run_started_at = models.DateTimeField(_("bắt đầu tính lúc"), null=True, blank=True)
    run_finished_at = models.DateTimeField(_("tính xong lúc"), null=True, blank=True)
    run_error = models.TextField(_("lỗi lần tính gần nhất"), blank=True)
    # The design the values were estimated with (reports.estimation.estimates.DesignSummary.as_dict): rule,
    # weighted or not, strata, Kish's deff of the weights, raking; pages name it next to the figures.
    design = models.JSONField(_("thiết kế mẫu"), default=dict, blank=True)

    class Meta:
        verbose_name = _("ảnh chụp kết quả")
        verbose_name_plural = _("ảnh chụp kết quả")
        constraints = [models.UniqueConstraint(
                fields=["campaign", "status", "version"], name="snapshot_version_unique",
                violation_error_message=_("Đợt đã có ảnh chụp kết quả cùng trạng thái và phiên bản này."),
            )]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.status} v{self.version}"


class PublishedTally(SubtreeLevelCounts):
    """A published snapshot's subtree tallies (`SubtreeTally` rows), copied at publication: the counts its
    values were computed from. Published distributions and year-on-year pooling of merged units read
    these, so what was published never changes when the working tallies are recomputed."""

    # the unique constraint, led by the snapshot, serves every read
    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("ảnh chụp kết quả"))

    class Meta:
        verbose_name = _("bảng đếm đã công bố")
        verbose_name_plural = _("bảng đếm đã công bố")
        constraints = [models.UniqueConstraint(
                fields=["snapshot", "unit", "question", "level"], name="published_tally_unique",
                violation_error_message=_("Bảng đếm đã công bố đã có dòng cho đơn vị, câu hỏi và mức này."),
            )]

    def __str__(self) -> str:
        return f"{self.question_id}@{self.unit_id} v{self.snapshot_id}: {self.level}×{self.n}"


class IndexScope(models.TextChoices):
    CRITERION = "criterion", _("Tiêu chí")
    ELEMENT = "element", _("Yếu tố")
    PART = "part", _("Phần của chỉ số")
    OVERALL = "overall", _("Chung")
    FULL = "full", _("Hài lòng toàn diện")
    EXPECTATION = "expectation", _("Đáp ứng mong đợi")
    RETURN = "return", _("Quay lại / giới thiệu")
    MEAN = "mean", _("Điểm trung bình (1–5)")
    RESPONSES = "responses", _("Số phiếu được tính")


class IndexValue(models.Model):
    """One index of one unit (its whole subtree) in a snapshot; `value` is a percentage or a mean, None = no data."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="values", verbose_name=_("ảnh chụp kết quả"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("đơn vị"))
    scope = models.CharField(_("loại chỉ số"), max_length=12, choices=IndexScope.choices)
    key = models.CharField(_("mã"), max_length=60, blank=True)
    value = models.DecimalField(_("giá trị"), max_digits=12, decimal_places=2, null=True)  # wide enough for a count of responses
    n = models.PositiveIntegerField(_("số câu trả lời"), default=0)
    ci_low = models.DecimalField(_("cận dưới khoảng tin cậy 95%"), max_digits=7, decimal_places=2, null=True)
    ci_high = models.DecimalField(_("cận trên khoảng tin cậy 95%"), max_digits=7, decimal_places=2, null=True)
    # The design-based estimate behind `value` (unrounded, same scale), its standard error, design effect,
    # effective sample size and the respondents it rests on; `ci_low`/`ci_high` are its 95% interval.
    estimate = models.FloatField(_("ước lượng"), null=True)
    se = models.FloatField(_("sai số chuẩn"), null=True)
    deff = models.FloatField(_("hệ số thiết kế"), null=True)
    n_eff = models.FloatField(_("cỡ mẫu hiệu dụng"), null=True)
    respondents = models.PositiveIntegerField(_("số người trả lời"), default=0)

    class Meta:
        verbose_name = _("giá trị chỉ số")
        verbose_name_plural = _("giá trị chỉ số")
        constraints = [models.UniqueConstraint(
                fields=["snapshot", "unit", "scope", "key"], name="index_value_unique",
                violation_error_message=_("Ảnh chụp kết quả đã có giá trị chỉ số này cho đơn vị này."),
            )]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}@{self.unit_id}={self.value}"


class ExportStatus(models.TextChoices):
    REQUESTED = "requested", _("Đã yêu cầu")
    RUNNING = "running", _("Đang xuất")
    DONE = "done", _("Hoàn tất")
    FAILED = "failed", _("Lỗi")


class ExportJob(models.Model):
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports", verbose_name=_("người yêu cầu"))
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="exports", verbose_name=_("đợt khảo sát"))
    kind = models.CharField(_("loại"), max_length=20)
    filters = models.JSONField(_("bộ lọc"), default=dict, blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.REQUESTED)
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    file = models.FileField(_("tệp"), upload_to="reports/exports/", blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    started_at = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"), null=True, blank=True)
    # Jobs that always end (reports/exports.py): when the message was last handed to the broker (the sweep
    # sends a requested job again when it was lost, e.g. in a Redis restart), the running worker's lease
    # (renewed every few seconds; a lapsed lease means the worker died), and the attempts so far, which
    # also fence a late write from a worker that lost its lease.
    sent_at = models.DateTimeField(_("chuyển cho tiến trình nền lúc"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("còn chạy lúc"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần chạy"), default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("yêu cầu xuất")
        verbose_name_plural = _("yêu cầu xuất")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"


class ReportHeading(models.Model):
    """What an official fills in before the campaign's report is issued in the administrative format of
    Nghị định 30/2020/NĐ-CP: the bodies, the number and symbol, the place and date, the signer, the
    recipients. A campaign without one gets defaults from its organiser (reports/documents/headings.py)."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="report_heading", verbose_name=_("đợt khảo sát"))
    parent_body = models.CharField(
        _("cơ quan chủ quản"), max_length=200, blank=True, help_text=_("Tên cơ quan chủ quản trực tiếp, ví dụ «UBND TỈNH KHÁNH HÒA»; để trống nếu không có.")
    )
    issuing_body = models.CharField(_("cơ quan ban hành"), max_length=200, help_text=_("Ví dụ «SỞ Y TẾ»."))
    number = models.CharField(
        _("số văn bản"), max_length=20, blank=True, help_text=_("Để trống để văn thư ghi số khi ban hành (in «Số:      /BC-SYT»).")
    )
    symbol = models.CharField(_("ký hiệu"), max_length=40, help_text=_("Phần sau dấu gạch chéo, ví dụ «BC-SYT»."))
    place = models.CharField(_("địa danh"), max_length=100, help_text=_("Ví dụ «Khánh Hòa»."))
    issued_on = models.DateField(
        _("ngày ban hành"), null=True, blank=True, help_text=_("Để trống: ngày công bố số liệu (bản tạm tính để trống ngày).")
    )
    signer_authority = models.CharField(
        _("thẩm quyền ký"), max_length=100, blank=True, help_text=_("Ví dụ «KT. GIÁM ĐỐC», «TM. ỦY BAN NHÂN DÂN»; để trống khi người đứng đầu ký.")
    )
    signer_title = models.CharField(_("chức vụ người ký"), max_length=100, default="GIÁM ĐỐC", help_text=_("Ví dụ «PHÓ GIÁM ĐỐC»."))
    signer_name = models.CharField(_("họ tên người ký"), max_length=100, blank=True)
    recipients = models.TextField(
        _("nơi nhận"), blank=True, help_text=_("Mỗi dòng một nơi nhận, ví dụ «Bộ Y tế (để báo cáo)»; dòng «Lưu» ghi ở ô dưới.")
    )
    archive = models.CharField(_("lưu"), max_length=100, default="Lưu: VT", help_text=_("Ví dụ «Lưu: VT, NVY»."))
    updated_at = models.DateTimeField(_("sửa lúc"), auto_now=True)

    class Meta:
        verbose_name = _("thông tin ký báo cáo")
        verbose_name_plural = _("thông tin ký báo cáo")

    def __str__(self) -> str:
        return f"{self.symbol} — {self.campaign}"

    @property
    def recipient_list(self) -> list[str]:
        return [line.strip().rstrip(";.").strip() for line in self.recipients.splitlines() if line.strip()]
