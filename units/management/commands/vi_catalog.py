from django.core.management.base import BaseCommand, CommandError

from units.django_catalogs import OUR_CATALOGS, po_entry, read_po, untranslated


class Command(BaseCommand):
    help = (
        "Liệt kê các chuỗi của Django và các ứng dụng cài kèm (admin, axes, django-otp) chưa có bản dịch tiếng Việt; "
        "với --append, thêm chúng (chưa dịch) vào locale/vi/LC_MESSAGES/*.po để dịch rồi chạy compilemessages -l vi. "
        "Dùng sau mỗi lần nâng cấp Django."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--append", action="store_true", help="Thêm các chuỗi còn thiếu vào tệp .po của dự án")

    def handle(self, *args, **options) -> None:
        missing = untranslated("vi")
        for domain, msgids in missing.items():
            path = OUR_CATALOGS / "vi" / "LC_MESSAGES" / f"{domain}.po"
            listed = {(e.get("msgctxt", ""), e["msgid"]) for e in read_po(path)}
            for msgid in msgids:
                self.stdout.write(f"{domain}: {msgid.context + ' | ' if msgid.context else ''}{msgid.msgid}")
            new = [m for m in msgids if (m.context, m.msgid) not in listed]
            if options["append"] and new:
                with path.open("a", encoding="utf-8") as handle:
                    handle.write("".join("\n" + po_entry(m) for m in new))
                self.stdout.write(f"Đã thêm {len(new)} chuỗi chưa dịch vào {path}.")
        if missing and not options["append"]:
            raise CommandError(f"Còn {sum(map(len, missing.values()))} chuỗi chưa dịch sang tiếng Việt.")
        if not missing:
            self.stdout.write("Mọi chuỗi của Django và các ứng dụng cài kèm đều đã có bản dịch tiếng Việt.")
