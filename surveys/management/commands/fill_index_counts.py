"""`fill_index_counts [--batch N]`: store the index counts of responses saved before they existed."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from surveys.services.answers import responses_index_counts_fill


class Command(BaseCommand):
    help = "Tính số câu chỉ số hợp lệ / chưa hài lòng và mẫu câu trả lời chỉ số cho các phiếu cũ chưa có (phiếu lưu trước khi có các cột này)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=2000, help="số phiếu mỗi giao dịch (mặc định 2000)")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        filled = responses_index_counts_fill(batch=max(1, options["batch"]))
        self.stdout.write(f"Đã tính số đếm chỉ số cho {filled} phiếu.")
