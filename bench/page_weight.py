"""Page weight: what a phone downloads for each page people open, against a budget (issue 17).

    .venv/bin/python bench/page_weight.py [--responses 400] [--budget-kb 600]

Builds the demo (load_demo) in a temporary SQLite file, then asks each page in-process as its user (Django
test client, DEBUG off) and adds up the page's HTML and every script and style sheet it loads from
/static/ (read through the static files finders, as whitenoise serves them), raw and gzip-compressed
(whitenoise serves the compressed copy to every browser that accepts it). Prints a Markdown table for
docs/benchmarks.md; exits 1 when a page's compressed weight passes the budget.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Scripts and style sheets, and a script a page fetches once it is parsed (data-lazy-script: plotly.js on the dashboard).
ASSET = re.compile(r'(?:<script[^>]*\ssrc|<link[^>]*\shref|\sdata-lazy-script)="(/static/[^"?#]+)"')


def configure(workdir: str, responses: int) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
            "SQLITE_NAME": str(Path(workdir) / "weight.sqlite3"),
            "MEDIA_ROOT": str(Path(workdir) / "media"),
            "DEMO_RESPONSES": str(responses),
        }
    )
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()


def pages() -> list[tuple[str, str | None, str]]:
    """(name, username or None for a citizen, address) of the pages people open on a phone."""
    from campaigns.models import Campaign, CampaignStatus

    active = Campaign.objects.filter(status=CampaignStatus.ACTIVE).order_by("code").first()
    published = Campaign.objects.filter(status=CampaignStatus.PUBLISHED).order_by("code").first()
    return [
        ("trang chính điều tra viên", "dieutravien", "/"),
        ("hàng đợi duyệt phiếu", "giamsat", "/giam-sat/phieu/"),
        ("bảng điều khiển", "lanhdao", f"/bao-cao/{active.code}/"),
        ("trang đơn vị", "giamdoc", "/"),
        ("kết quả công khai", None, f"/ket-qua/{published.code}/"),
        ("thông báo khảo sát", None, f"/khao-sat/{active.public_key}/"),
        ("phiếu trực tuyến", None, f"/khao-sat/{active.public_key}/tra-loi/"),
    ]


def weigh(html: bytes) -> tuple[int, int, list[str]]:
    """(raw bytes, gzip bytes, assets) of a page's scripts and style sheets."""
    from django.contrib.staticfiles import finders

    raw = packed = 0
    assets = sorted(set(ASSET.findall(html.decode("utf-8", "replace"))))
    for address in assets:
        found = finders.find(address.removeprefix("/static/"))
        if not found:
            raise SystemExit(f"{address}: not found by the static files finders")
        data = Path(found).read_bytes()
        raw += len(data)
        packed += len(gzip.compress(data, 9))
    return raw, packed, assets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=400)
    parser.add_argument("--budget-kb", type=int, default=600, help="compressed weight allowed per page (KB)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        configure(workdir, args.responses)
        from django.contrib.auth.models import User
        from django.core.management import call_command
        from django.test import Client

        call_command("migrate", verbosity=0)
        call_command("load_demo", verbosity=0)
        print(f"| trang | người dùng | HTML (KB, nén) | JS + CSS (KB, nén) | tổng (KB, nén) | tổng (KB, chưa nén) | ngân sách {args.budget_kb} KB |")
        print("|---|---|---:|---:|---:|---:|---|")
        over = 0
        for name, username, address in pages():
            client = Client()
            if username:
                client.force_login(User.objects.get(username=username))
            reply = client.get(address, follow=True)
            if reply.status_code != 200:
                raise SystemExit(f"{address} as {username}: HTTP {reply.status_code}")
            html = reply.content
            assets_raw, assets_packed, _assets = weigh(html)
            html_packed = len(gzip.compress(html, 9))
            total = html_packed + assets_packed
            fits = total <= args.budget_kb * 1024
            over += not fits
            print(
                f"| {name} | {username or 'người dân'} | {html_packed / 1024:.0f} | {assets_packed / 1024:.0f} | {total / 1024:.0f} | "
                f"{(len(html) + assets_raw) / 1024:.0f} | {'đạt' if fits else 'VƯỢT'} |"
            )
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
