"""`answer_partitions [--sync | --detach CODE | --attach CODE]`: the answer table's partitions per campaign
(PostgreSQL; surveys.partitions). Without an option, lists them."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaigns.models import Campaign, CampaignStatus
from surveys.partitions import (
    answer_partition_attach,
    answer_partition_detach,
    answer_partitions,
    answer_partitions_sync,
    answers_partitioned,
)


class Command(BaseCommand):
    help = (
        "Phân vùng bảng câu trả lời theo đợt (PostgreSQL): liệt kê; --sync tạo phân vùng cho các đợt còn nằm trong "
        "phân vùng mặc định; --detach MÃ_ĐỢT tách câu trả lời của một đợt đã lưu trữ ra bảng riêng (để sao lưu rồi xoá); "
        "--attach MÃ_ĐỢT gắn lại."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--sync", action="store_true", help="tạo phân vùng còn thiếu, chuyển câu trả lời khỏi phân vùng mặc định")
        group.add_argument("--detach", metavar="MÃ_ĐỢT", help="tách phân vùng của một đợt đã lưu trữ (archived)")
        group.add_argument("--attach", metavar="MÃ_ĐỢT", help="gắn lại phân vùng đã tách của một đợt")

    def _campaign(self, code: str) -> Campaign:
        campaign = Campaign.objects.filter(code=code).first()
        if campaign is None:
            raise CommandError(f"Không có đợt khảo sát mã «{code}».")
        return campaign

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        if not answers_partitioned():
            raise CommandError("Bảng câu trả lời không được phân vùng ở đây (chỉ có trên PostgreSQL).")
        if options["sync"]:
            made = answer_partitions_sync()
            self.stdout.write(f"Đã tạo {len(made)} phân vùng: {', '.join(map(str, made)) or '—'}")
        elif options["detach"]:
            campaign = self._campaign(options["detach"])
            if campaign.status != CampaignStatus.ARCHIVED:
                raise CommandError(f"Chỉ tách được câu trả lời của đợt đã lưu trữ (đợt «{campaign.code}»: {campaign.get_status_display()}).")
            try:
                table = answer_partition_detach(campaign_id=campaign.pk)
            except LookupError:
                raise CommandError(f"Đợt «{campaign.code}» không có phân vùng riêng đang gắn (chạy --sync trước).") from None
            self.stdout.write(f"Đã tách bảng {table}. Sao lưu: pg_dump -t {table} …; rồi xoá: DROP TABLE {table};")
        elif options["attach"]:
            campaign = self._campaign(options["attach"])
            try:
                answer_partition_attach(campaign_id=campaign.pk)
            except LookupError:
                raise CommandError(f"Không có bảng đã tách của đợt «{campaign.code}» để gắn lại.") from None
            self.stdout.write(f"Đã gắn lại câu trả lời của đợt «{campaign.code}».")
        else:
            for partition in answer_partitions():
                label = "mặc định / default" if partition.campaign_id is None else f"đợt / campaign {partition.campaign_id}"
                self.stdout.write(f"{partition.table}\t{label}\t≈ {max(partition.rows, 0):,} dòng")
