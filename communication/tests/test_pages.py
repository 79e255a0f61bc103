"""The pages: who may open what (outsider 404, member without the role 403), the plan's forms, a unit's report
with a photo, evidence served only as a download, the letter as .docx, the notice's poster."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from docx import Document

from campaigns.models import CampaignStatus
from communication.models import Activity, Evidence, UnitTask
from communication.services import task_report
from communication.tests.factories import make_activity, make_plan_world, photo
from units.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree):
    return make_plan_world(tree)


@pytest.fixture
def commune_head(make_user, tree):
    """The head of commune A1 (unit manager): reports A1's tasks, nothing else."""
    return make_user("xa.a1", Role.UNIT_MANAGER, tree["A1"])


def plan_urls(world) -> list[str]:
    code = world.campaign.code
    return [
        reverse("communication:plan", args=[code]),
        reverse("communication:activity_add", args=[code]),
        reverse("communication:activity_edit", args=[code, world.posting.pk]),
        reverse("communication:letter", args=[code]),
        reverse("communication:letter_download", args=[code]),
    ]


def test_the_outsider_gets_404_and_the_member_without_the_role_403(client, world, tree, bob, charlie, commune_head, alice):
    task = world.task(world.posting, tree["A1"])
    task_report(task=task, actor=alice, files=[photo()])
    evidence = Evidence.objects.get(task=task)
    task_pages = [reverse("communication:task", args=[task.pk]), reverse("communication:evidence", args=[evidence.pk])]
    client.force_login(charlie)
    assert [client.get(url).status_code for url in plan_urls(world) + task_pages] == [404] * 7
    client.force_login(bob)
    assert [client.get(url).status_code for url in plan_urls(world) + task_pages] == [403] * 7
    client.force_login(commune_head)  # a member of A below the organiser: the plan is not theirs to manage
    assert [client.get(url).status_code for url in plan_urls(world)] == [403] * 5
    other = world.task(world.posting, tree["A2"])  # a sibling commune's task
    assert client.get(reverse("communication:task", args=[other.pk])).status_code == 404
    assert client.get(task_pages[0]).status_code == 200


def test_the_official_builds_an_activity_for_every_commune_of_the_province(client, world, tree, alice):
    client.force_login(alice)
    today = timezone.localdate()
    response = client.post(
        reverse("communication:activity_add", args=[world.campaign.code]),
        {
            "kind": "radio",
            "title": "Phát loa truyền thanh",
            "start": today.isoformat(),
            "deadline": today.isoformat(),
            "unit_types": ["commune"],
            "units": [tree["A-BV"].pk],
        },
    )
    assert response.status_code == 302
    activity = Activity.objects.get(title="Phát loa truyền thanh")
    assert sorted(activity.tasks.values_list("unit__code", flat=True)) == ["A-BV", "A1", "A2"]


def test_a_bad_activity_form_says_why_and_saves_nothing(client, world, tree, alice):
    client.force_login(alice)
    response = client.post(
        reverse("communication:activity_add", args=[world.campaign.code]),
        {"kind": "radio", "title": "Sai", "start": "2026-12-10", "deadline": "2026-12-01", "units": [tree["B1"].pk]},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Hạn hoàn thành phải từ ngày bắt đầu" in page and "Hãy chọn một lựa chọn hợp lệ" in page
    assert not Activity.objects.filter(title="Sai").exists()


def test_a_commune_reports_with_a_photo_and_the_plan_page_counts_it(client, world, tree, alice, commune_head):
    task = world.task(world.posting, tree["A1"])
    client.force_login(commune_head)
    assert reverse("communication:task", args=[task.pk]) in client.get(reverse("communication:home")).content.decode()
    response = client.post(
        reverse("communication:task", args=[task.pk]), {"files": [photo()], "links": "https://a1.gov.vn/tb\n", "note": "Đã dán"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.done_by == commune_head and task.is_late and task.evidence.count() == 2
    client.force_login(alice)
    page = client.get(reverse("communication:plan", args=[world.campaign.code])).content.decode()
    row = re.search(r'<tr data-unit="A1">(.*?)</tr>', page, re.S)[1]
    assert re.findall(r'<td class="text-end"[^>]*>([^<]*)</td>', row) == ["2", "1", "1", "0", "2"]


def test_a_refused_upload_shows_the_reason_and_keeps_nothing(client, world, tree, commune_head, media):
    task = world.task(world.posting, tree["A1"])
    client.force_login(commune_head)
    bad = photo("anh.png")
    bad.file = io.BytesIO(b"<html><script>alert(1)</script></html>")
    response = client.post(reverse("communication:task", args=[task.pk]), {"files": [bad]})
    assert response.status_code == 400 and "không phải là PNG" in response.content.decode()
    assert not UnitTask.objects.filter(pk=task.pk, done_at__isnull=False).exists() and not any(media.rglob("*.png"))


def test_evidence_is_served_only_as_a_download(client, world, tree, commune_head):
    task = world.task(world.posting, tree["A1"])
    task_report(task=task, actor=commune_head, files=[photo("Ảnh dán thông báo.png")])
    client.force_login(commune_head)
    response = client.get(reverse("communication:evidence", args=[Evidence.objects.get(task=task).pk]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]


def test_the_letter_is_a_docx_in_the_administrative_format_with_the_notice_attached(client, world, tree, alice):
    world.campaign.notice_text = "Kính mời Quý vị tham gia khảo sát sự hài lòng năm nay."
    world.campaign.save()
    world.plan.letter_number = "125/UBND-NC"
    world.plan.signer_title = "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"
    world.plan.signer_name = "Nguyễn Văn Minh"
    world.plan.save()
    client.force_login(alice)
    response = client.get(reverse("communication:letter_download", args=[world.campaign.code]))
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.docx"')
    document = Document(io.BytesIO(response.content))
    text = "\n".join(
        [p.text for p in document.paragraphs] + [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    )
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "Số: 125/UBND-NC" in text and "V/v phối hợp tổ chức truyền thông" in text
    assert "Niêm yết thông báo tại bộ phận một cửa" in text and "Đăng trên trang thông tin điện tử" in text
    assert world.posting.deadline.strftime("%d/%m/%Y") in text and "Xã A1" in text and "Bệnh viện A" in text
    assert "THÔNG BÁO" in text and "Kính mời Quý vị tham gia khảo sát sự hài lòng năm nay." in text
    assert f"/khao-sat/{world.campaign.public_key}/" in text
    assert "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH" in text and "Nguyễn Văn Minh" in text and "Nơi nhận:" in text


def test_the_poster_has_the_qr_code_a4_print_css_and_answer_now(client, world):
    url = reverse("campaigns:poster", args=[world.campaign.public_key])
    page = client.get(url).content.decode()
    assert "<svg" in page and "css/poster.css" in page and "Trả lời ngay" in page
    assert f"/khao-sat/{world.campaign.public_key}/tra-loi/" in page
    css = Path(finders.find("css/poster.css")).read_text(encoding="utf-8")
    assert "size: A4" in css and "@media print" in css


def test_a_published_campaign_s_notice_and_poster_link_to_its_results(client, world):
    world.campaign.status = CampaignStatus.PUBLISHED
    world.campaign.published_at = timezone.now()
    world.campaign.save()
    results = reverse("reports:public_results", args=[world.campaign.code])
    for url in (
        reverse("campaigns:notice", args=[world.campaign.public_key]),
        reverse("campaigns:poster", args=[world.campaign.public_key]),
    ):
        page = client.get(url).content.decode()
        assert results in page and "Trả lời ngay" not in page and f"/khao-sat/{world.campaign.public_key}/tra-loi/" not in page


def test_a_closed_campaign_not_yet_published_points_to_the_results_page(client, world):
    world.campaign.status = CampaignStatus.CLOSED
    world.campaign.save()
    page = client.get(reverse("campaigns:notice", args=[world.campaign.public_key])).content.decode()
    assert "Kết quả sẽ được công bố" in page and reverse("reports:public_list") in page


def test_the_letter_names_the_people_s_committee_and_opens_in_libreoffice(client, world, alice, tmp_path):
    client.force_login(alice)
    data = client.get(reverse("communication:letter_download", args=[world.campaign.code])).content
    text = "\n".join(cell.text for table in Document(io.BytesIO(data)).tables for row in table.rows for cell in row.cells)
    assert "ỦY BAN NHÂN DÂN TỈNH A" in text and "V/v phối hợp tổ chức truyền thông khảo sát hài lòng" in text
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice chưa được cài: chỉ kiểm tra bằng python-docx")
    source = tmp_path / "cong-van.docx"
    source.write_bytes(data)
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        timeout=180,
        capture_output=True,
    )
    pdf = (tmp_path / "cong-van.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 2  # the letter, then the notice


def test_the_plan_page_asks_the_same_queries_however_many_units_report(client, world, tree, alice, make_unit, django_assert_num_queries):
    client.force_login(alice)
    url = reverse("communication:plan", args=[world.campaign.code])
    client.get(url)  # the session and the role caches warm up
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    communes = [make_unit(f"A{n}", f"Xã A{n}", "commune", tree["A"]) for n in range(3, 9)]
    activity = make_activity(world.plan, communes, title="Phát loa", start=world.posting.start, deadline=world.posting.deadline)
    for unit in communes[:4]:
        task_report(task=world.task(activity, unit), actor=alice, links=[f"https://{unit.code}.vn/"])
    with django_assert_num_queries(len(before.captured_queries)):
        client.get(url)
