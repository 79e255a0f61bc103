from django.core.management.base import BaseCommand

from units.access import SYSTEM
from units.models import Unit
from units.services import units_load_national


class Command(BaseCommand):
    help = "Nạp 34 tỉnh/thành phố và 3.321 xã/phường/đặc khu với mã chính thức (gói vietnam-provinces). Chạy lại không thay đổi gì."

    def handle(self, *args, **options) -> None:
        changed = units_load_national(actor=SYSTEM)
        provinces = Unit.objects.filter(type__code="province", parent__isnull=True).count()
        communes = Unit.objects.filter(type__code="commune", parent__type__code="province").count()
        self.stdout.write(f"Đã nạp: {changed} đơn vị thay đổi; tổng {provinces} tỉnh/thành phố, {communes} xã/phường/đặc khu.")
