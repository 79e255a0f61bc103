"""`manage.py verify_published [--json]`: check every published version against its checksums."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.models import Snapshot, SnapshotStatus
from reports.publication import file_sha256, snapshot_verify


def _file_matches(field, expected: str) -> bool:
    if not field or not expected:
        return False
    try:
        with field.open("rb") as handle:
            return file_sha256(handle) == expected
    except OSError:  # the file is missing (media not restored)
        return False


class Command(BaseCommand):
    help = (
        "Kiểm tra mọi phiên bản kết quả đã công bố: giá trị khớp mã kiểm tra, tệp báo cáo và tệp số liệu khớp SHA-256 "
        "(dùng sau khi khôi phục bản sao lưu). Verify every published version's figures and files against their checksums."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="In một danh sách JSON / print a JSON list")

    def handle(self, *args, **options) -> None:
        rows = []
        snapshots = Snapshot.objects.filter(status=SnapshotStatus.PUBLISHED).select_related("campaign").order_by("campaign__code", "version")
        for snapshot in snapshots:
            rows.append(
                {
                    "campaign": snapshot.campaign.code,
                    "version": snapshot.version,
                    "checksum": snapshot.checksum,
                    "figures_ok": snapshot_verify(snapshot),
                    "workbook_sha256": snapshot.workbook_sha256,
                    "workbook_ok": _file_matches(snapshot.workbook, snapshot.workbook_sha256),
                    "figures_sha256": snapshot.figures_sha256,
                    "figures_file_ok": _file_matches(snapshot.figures, snapshot.figures_sha256),
                }
            )
        bad = [row for row in rows if not (row["figures_ok"] and row["workbook_ok"] and row["figures_file_ok"])]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
        else:
            for row in rows:
                verdict = "khớp" if row not in bad else "KHÔNG KHỚP"
                self.stdout.write(f"{row['campaign']} v{row['version']}: {verdict} (mã kiểm tra {row['checksum'][:12]}…)")
            self.stdout.write(f"{len(rows)} phiên bản đã công bố, {len(bad)} không khớp.")
        if bad:
            raise CommandError(f"{len(bad)} phiên bản đã công bố không khớp mã kiểm tra hoặc thiếu tệp.")
