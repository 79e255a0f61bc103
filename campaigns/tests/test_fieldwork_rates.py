"""AAPOR response rates per cell, unit, channel and enumerator; `fieldwork CODE --json`; the call centre's log
imported by `import_contacts` (all rows or none, errors by row)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.http import Http404
from django.utils import timezone

from campaigns.fieldwork.contacts_import import contacts_import, outcome_from_cell
from campaigns.fieldwork.dispositions import ContactOutcome, DispositionCounts, aapor_rates, eligibility_estimate
from campaigns.fieldwork.selectors import fieldwork_report
from campaigns.fieldwork.services import attempt_record
from campaigns.models import Assignment, ContactAttempt
from campaigns.tests.conftest import xlsx
from campaigns.tests.factories_fieldwork import make_drawn_campaign
from units.access import SYSTEM
from units.models import Role
from units.spreadsheets import ImportFailed

ROOT = Path(__file__).resolve().parents[2]


def by_hand(i: int, p: int, r: int, nc: int, o: int, u: int, ne: int) -> dict[str, float]:
    """AAPOR Standard Definitions, written out again here (not through the code under test)."""
    e = (i + p + r + nc + o) / (i + p + r + nc + o + ne)
    return {
        "RR1": i / ((i + p) + (r + nc + o) + u),
        "RR3": i / ((i + p) + (r + nc + o) + e * u),
        "COOP1": i / ((i + p) + r + o),
        "REF1": r / ((i + p) + (r + nc + o) + u),
        "CON1": ((i + p) + r + o) / ((i + p) + r + o + nc + u),
        "e": e,
    }


def test_the_formulas_are_aapors():
    counts = DispositionCounts()
    for group, n in {"I": 40, "P": 5, "R": 12, "NC": 20, "O": 3, "U": 15, "NE": 5}.items():
        counts.add(group, n)
    e = eligibility_estimate(counts)
    expected = by_hand(40, 5, 12, 20, 3, 15, 5)
    assert e == pytest.approx(expected["e"])
    assert aapor_rates(counts, e=e) == pytest.approx({k: v for k, v in expected.items() if k != "e"})


def test_no_case_of_known_eligibility_gives_e_1_and_empty_denominators_give_none():
    counts = DispositionCounts()
    assert eligibility_estimate(counts) == 1.0
    assert aapor_rates(counts, e=1.0) == dict.fromkeys(("RR1", "RR3", "COOP1", "REF1", "CON1"))


@pytest.fixture
def dtv(make_user, tree):
    return make_user("dtv", Role.ENUMERATOR, tree["A"])


@pytest.fixture
def drawn(tree, dtv):
    return make_drawn_campaign(organiser=tree["A"], units=[tree["A1"], tree["A2"]], target=4, reserve_ratio=0.5)


def worked(drawn, tree, dtv) -> None:
    """A1: one interview, one refusal, one wrong number, one non-contact (three no-answers), so its two
    reserves are released by the last three closures; A2: one not eligible, one open after an appointment."""
    from surveys.services.responses import Submitter, response_submit
    from surveys.tests.factories_collection import payload

    a1 = drawn.primaries(tree["A1"])
    response_submit(payload=payload(drawn.setup, tree["A1"], channel="phone", assignment=a1[0].pk), submitter=Submitter(user=dtv))
    attempt_record(actor=dtv, case=a1[1], outcome=ContactOutcome.REFUSED)
    attempt_record(actor=dtv, case=a1[2], outcome=ContactOutcome.WRONG_NUMBER)
    for _ in range(3):
        attempt_record(actor=dtv, case=a1[3], outcome=ContactOutcome.NO_ANSWER)
    a2 = drawn.primaries(tree["A2"])
    attempt_record(actor=dtv, case=a2[0], outcome=ContactOutcome.NOT_ELIGIBLE)
    attempt_record(actor=dtv, case=a2[1], outcome=ContactOutcome.APPOINTMENT, appointment_at=timezone.now() + dt.timedelta(hours=2))


def test_each_cell_counts_its_cases_by_aapor_group_with_released_reserves(drawn, tree, dtv):
    worked(drawn, tree, dtv)
    report = fieldwork_report(campaign=drawn.campaign).as_json()
    cells = {cell["unit"]: cell for cell in report["cells"]}
    a1, a2 = cells["A1"], cells["A2"]
    # A1: 4 drawn + 2 reserves released (3 closures without interview, only 2 reserves) — both untried (3.11)
    assert (a1["drawn"], a1["reserves_drawn"], a1["released_reserves"], a1["unreleased_reserves"]) == (4, 2, 2, 0)
    assert (a1["completed"], a1["refusals"], a1["non_contacts"], a1["unknown_eligibility"], a1["not_eligible"]) == (1, 1, 1, 1 + 2, 0)
    assert a1["cases"] == 6 and a1["open"] == 2
    # A2: the not-eligible case released one reserve; two untried primaries; the appointment is a contacted open case
    assert (a2["released_reserves"], a2["not_eligible"], a2["non_contacts"], a2["unknown_eligibility"]) == (1, 1, 1, 3)
    e = report["e"]
    assert e == pytest.approx((1 + 1 + 1 + 1) / (1 + 1 + 1 + 1 + 1))  # I, R, NC (A1), NC (A2) over those and 1 NE
    assert report["total"]["rates"] == pytest.approx({**by_hand(1, 0, 1, 2, 0, 6, 1), "e": e})
    assert a1["rates"]["RR1"] == pytest.approx(1 / 6) and a1["rates"]["CON1"] == pytest.approx(2 / 6)
    assert a1["rates"]["RR3"] == pytest.approx(1 / (3 + e * 3))
    assert {row["channel"] for row in report["by_channel"]} == {"phone"}
    assert report["by_enumerator"][0]["enumerator"] == "dtv" and report["by_enumerator"][0]["cases"] == 11
    assert report["dispositions"]["2.11"]["label"] == "Từ chối"


def test_the_fieldwork_command_prints_json_and_a_table(drawn, tree, dtv):
    worked(drawn, tree, dtv)
    out = StringIO()
    call_command("fieldwork", drawn.campaign.code.upper(), "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["campaign"] == drawn.campaign.code and len(data["cells"]) == 2 and data["max_attempts"] == 3
    assert "e_method" in data
    table = StringIO()
    call_command("fieldwork", drawn.campaign.code, stdout=table)
    assert "RR1" in table.getvalue() and "A1" in table.getvalue()
    with pytest.raises(CommandError, match="Không tìm thấy đợt"):
        call_command("fieldwork", "khong-co")


# --- the call centre's log ----------------------------------------------------------------------------

HEADER = ["case", "phone", "time", "outcome", "note"]


def moment(days: int, hour: int) -> str:
    day = timezone.localdate() - dt.timedelta(days=days)
    return f"{day:%d/%m/%Y} {hour:02d}:00"


def test_a_log_is_replayed_in_time_order_closing_cases_and_releasing_reserves(drawn, tree, dtv):
    a1 = drawn.primaries(tree["A1"])
    phone = a1[1].frame_entry.phone
    rows = [
        HEADER,
        [a1[0].pk, None, moment(2, 9), "no_answer", ""],
        [f"#{a1[0].pk}", None, moment(2, 15), "Máy bận", ""],
        [a1[0].pk, None, moment(1, 9), "3.13", "không ai nhấc máy"],
        [None, phone, moment(1, 10), "2.11", "không muốn trả lời"],
        [a1[2].pk, None, moment(1, 11), 4.7, ""],
    ]
    assert contacts_import(campaign=drawn.campaign, source=xlsx(rows), actor=SYSTEM) == 5
    states = {c.pk: (c.status, c.disposition) for c in Assignment.objects.filter(pk__in=[c.pk for c in a1])}
    assert states[a1[0].pk] == ("unreachable", "2.20") and states[a1[1].pk] == ("refused", "2.11") and states[a1[2].pk] == ("ineligible", "4.70")
    assert [r.is_active for r in drawn.reserves(tree["A1"])] == [True, True]
    assert ContactAttempt.objects.filter(source="import").count() == 5


def test_a_log_with_unknown_cases_codes_or_times_saves_nothing_and_names_each_row(drawn, tree, dtv, charlie):
    a1 = drawn.primaries(tree["A1"])
    rows = [
        HEADER,
        [a1[0].pk, None, moment(1, 9), "no_answer", ""],  # good
        [999999, None, moment(1, 9), "refused", ""],
        [None, "0999999999", moment(1, 9), "refused", ""],
        [a1[1].pk, None, "hôm qua", "refused", ""],
        [a1[1].pk, None, moment(1, 9), "9.99", ""],
        [a1[2].pk, None, moment(1, 9), "refused", ""],
        [a1[2].pk, None, moment(1, 10), "no_answer", ""],  # after its refusal
        [drawn.reserves(tree["A2"])[0].pk, None, moment(1, 9), "no_answer", ""],  # a reserve nobody released
    ]
    with pytest.raises(ImportFailed) as failure:
        contacts_import(campaign=drawn.campaign, source=xlsx(rows), actor=SYSTEM)
    errors = {error.row: error.message for error in failure.value.errors}
    assert set(errors) == {3, 4, 5, 6, 8, 9}
    assert errors[3] == "Không có trường hợp «999999» trong đợt này."
    assert "0999999999" in errors[4]
    assert "không hợp lệ" in errors[5] and "không có" in errors[6]
    assert "đã kết thúc: Từ chối" in errors[8] and "chưa được dùng" in errors[9]
    assert not ContactAttempt.objects.exists() and not Assignment.objects.exclude(status="pending").exists()



def test_only_the_organisers_officials_import_a_log_asked_before_the_file_is_read(drawn, alice, bob, charlie, dtv):
    unreadable = BytesIO(b"not an xlsx")
    with pytest.raises(Http404):
        contacts_import(campaign=drawn.campaign, source=unreadable, actor=charlie)
    for member in (bob, dtv):
        with pytest.raises(PermissionDenied):
            contacts_import(campaign=drawn.campaign, source=unreadable, actor=member)
    with pytest.raises(ImportFailed, match="không phải là tệp Excel"):
        contacts_import(campaign=drawn.campaign, source=unreadable, actor=alice)


@pytest.mark.parametrize(
    ("cell", "outcome"),
    [("refused", "refused"), ("TỪ CHỐI", "refused"), ("2.11", "refused"), (2.1, "refused"), ("3.90", "wrong_number"), ("hẹn gọi lại", "appointment"), ("x", None)],
)
def test_outcome_codes_are_read_as_written(cell, outcome):
    assert outcome_from_cell(cell) == outcome


def test_the_import_command_reports_errors_by_row_and_exits_non_zero(drawn, tree, dtv, tmp_path):
    bad = tmp_path / "nhat-ky.xlsx"
    bad.write_bytes(xlsx([HEADER, [123456, None, moment(1, 9), "refused", ""]]).getvalue())
    err = StringIO()
    with pytest.raises(CommandError, match="không lưu cuộc gọi nào"):
        call_command("import_contacts", drawn.campaign.code, str(bad), stderr=err)
    assert "dòng 2" in err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_commands_run_as_operators_run_them(tree, make_user, tmp_path):
    """`manage.py import_contacts` then `manage.py fieldwork --json`, each its own process, on PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("cần PostgreSQL: tiến trình lệnh riêng không thấy cơ sở dữ liệu SQLite trong bộ nhớ của bài kiểm thử")
    make_user("dtv", Role.ENUMERATOR, tree["A"])
    drawn = make_drawn_campaign(organiser=tree["A"], units=[tree["A1"]], target=2, reserve_ratio=0.5)
    first = drawn.primaries(tree["A1"])[0]
    log = tmp_path / "nhat-ky.xlsx"
    log.write_bytes(xlsx([HEADER, [first.pk, None, moment(1, 9), "refused", "không muốn"]]).getvalue())
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    done = subprocess.run([*manage, "import_contacts", drawn.campaign.code, str(log)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    shown = subprocess.run([*manage, "fieldwork", drawn.campaign.code, "--json"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    cell = json.loads(shown.stdout)["cells"][0]
    assert (cell["refusals"], cell["released_reserves"], cell["rates"]["REF1"]) == (1, 1, pytest.approx(1 / 3))


def test_calls_logged_after_the_attempt_limit_are_kept_and_a_later_refusal_says_more_than_not_reached(drawn, tree, dtv):
    a1 = drawn.primaries(tree["A1"])
    rows = [HEADER, *[[a1[0].pk, None, moment(3, 8 + hour), "no_answer", ""] for hour in range(5)], [None, "+84" + a1[0].frame_entry.phone[1:], moment(2, 9), "refused", ""]]
    rows.append([a1[1].pk, None, moment(2, 10), "appointment", "hẹn chiều nay, chưa rõ giờ"])  # no time written in the log
    assert contacts_import(campaign=drawn.campaign, source=xlsx(rows), actor=SYSTEM) == 7
    first = Assignment.objects.get(pk=a1[0].pk)
    assert (first.status, first.disposition, first.attempt_count) == ("refused", "2.11", 6)
    assert sum(r.is_active for r in drawn.reserves(tree["A1"])) == 1  # released once, at the third try
    second = Assignment.objects.get(pk=a1[1].pk)
    assert second.is_open and second.contacted and second.appointment_at is None
    report = fieldwork_report(campaign=drawn.campaign).as_json()["cells"][0]
    assert (report["refusals"], report["non_contacts"], report["released_reserves"]) == (1, 1, 1)
    late = [HEADER, [a1[0].pk, None, moment(1, 9), "completed", ""]]
    with pytest.raises(ImportFailed, match="đã kết thúc"):
        contacts_import(campaign=drawn.campaign, source=xlsx(late), actor=SYSTEM)
