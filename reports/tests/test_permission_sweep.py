"""The permission sweep: every URL of the portal and every admin page, as each persona, with GET and POST.

Path arguments are filled from one world of province A (a campaign with a frame, a draw and responses, a
questionnaire owned by A, an export, an API key, an enumerator of A1 with a case). The personas (conftest.py): alice, official of A (the
owner); bob, viewer of A (a member); charlie, official of B (the outsider); and an anonymous visitor.

- nobody ever gets a 500;
- anonymous: a redirect to a login page, or 401/403/404/405, except the public pages (which show no
  personal data);
- charlie: never a page with A's data (a 200 is a page of his own), and no POST changes anything;
- bob: no POST changes anything (the admin sends him to its login);
- alice: every page of her province works, but for the refusals the rules name (EXPECTED_FOR_ALICE).

POSTs carry real attacks where a page takes data: delete confirmations, every admin action on A's rows,
change forms with A's row edited, the unit import of issue 11, frame, response and XLSForm uploads,
exports with raw data, reviews (sending back, approve-and-next, every response matching a filter), corrections of
answers, back-checks drawn and recorded (issue 15), population sizes (a row, a file, frame counts) and design settings; issue 14's
outcomes of a case and reassignments (one by one and in bulk), new accounts (by form and by Excel list) and
deactivations; issue 16's improvement plans (rules, measures, evidence files, filing, review, self-surveys). A POST "changed nothing" when every table below keeps its rows and values.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import FileField, ForeignKey
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from campaigns.frames import frame_import
from campaigns.models import Assignment, Campaign, Channel, FrameEntry, SampleQuota
from campaigns.sampling import sample_draw
from communication.models import Evidence as CommsEvidence
from communication.models import UnitTask
from communication.services import plan_for, task_report
from communication.tests.factories import make_activity, photo
from plans.models import Evidence, ImprovementPlan, Measure, PlanCriterion, PlanRules, SelfSurveySchedule
from reports.estimation.population import population_save
from reports.models import ExportJob, ExportStatus, ReportHeading
from reports.services import index_recompute
from reports.tests.factories import make_response
from surveys.models import BackCheck, Question, Questionnaire, Response
from surveys.tests.factories_collection import make_campaign, make_questionnaire
from units.access import SYSTEM
from units.models import ApiToken, AuditEntry, ImportJob, ImportStatus, Membership, Role, Unit, UnitType
from units.services import OFFICIAL_GROUP, api_token_create
from units.tests.xlsx import xlsx_bytes
from units.uploads import evidence_store

pytestmark = pytest.mark.django_db

CAMPAIGN_NAME = "ĐỢT BÍ MẬT TỈNH A"
QUESTIONNAIRE_TITLE = "PHIẾU RIÊNG TỈNH A"
# What no outsider may read: A's campaign and questionnaire, A's units, and (everyone but A's officials) its people.
PERSONAL_MARKERS = ("Người dân A1-", "0905000")
A_MARKERS = (CAMPAIGN_NAME, QUESTIONNAIRE_TITLE, "dot-bi-mat-a", "Tỉnh A", "Xã A1", "Phường A2", "Sở Y tế A", "Bệnh viện A", *PERSONAL_MARKERS)
# Pages anyone may read: the login, the public notice and online survey, published results, the API's door.
# The service worker's script and its offline page hold no data: they are what a phone keeps for work without signal.
PUBLIC = re.compile(r"^/(dang-nhap/|dang-xuat/|i18n/|admin/login/|admin/logout/|khao-sat/|ket-qua/|api/v1/|quen-mat-khau/|healthz|sw\.js|ngoai-tuyen/|cong-cu/)")
SUPERUSER_ONLY_MODELS = {"auth.group", "auth.user", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog", "units.apitoken", "otp_totp.totpdevice"}


@dataclass
class World:
    campaign: Campaign
    questionnaire: Questionnaire
    quota: SampleQuota
    response: Response
    job: ExportJob
    import_job: ImportJob
    token: ApiToken
    case: Assignment  # a primary case of A1, held by `enumerator`
    enumerator: User  # an enumerator of A1 (issue 14's people and case pages)
    backcheck: BackCheck  # a back-check drawn of A1's response (issue 15)
    objects: dict[str, Any]  # "app.model" → the row of A whose admin pages are swept


def frame_file(rows: int = 6) -> io.BytesIO:
    data = [["họ tên", "phone", "address", "procedure", "completed_on", "unit_code"]]
    data += [[f"Người dân A1-{i}", f"0905000{i:03d}", f"Số {i} Trần Phú", "Cấp giấy khai sinh", "15/08/2025", "A1"] for i in range(rows)]
    return io.BytesIO(xlsx_bytes(data))


def plan_world(campaign: Campaign, unit: Unit) -> dict[str, Any]:
    """Issue 16: an improvement plan of A1 with a measure and an evidence file, and A1's recurring self-survey."""
    PlanRules.objects.create(campaign=campaign, due_days=30)
    plan = ImprovementPlan.objects.create(campaign=campaign, unit=unit, snapshot_version=1, reason="CHƯA ĐẠT", due_on=dt.date(2026, 12, 31))
    criterion = PlanCriterion.objects.create(plan=plan, code="TC1", text="Tiêu chí A", value=50)
    measure = Measure.objects.create(criterion=criterion, action="Biện pháp của A1", owner="Trưởng phòng", due_on=dt.date(2026, 12, 31))
    stored = evidence_store(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="bien-ban.pdf")
    evidence = Evidence.objects.create(measure=measure, file=stored.name, original_name=stored.original_name, kind=stored.kind, size=stored.size)
    schedule = SelfSurveySchedule.objects.create(unit=unit, template=campaign, next_start=dt.date(2027, 1, 1))
    return {"measure_id": str(measure.pk), "evidence_id": str(evidence.pk), "schedule_id": str(schedule.pk)}


@pytest.fixture
def world(tree, alice, bob, charlie, make_user, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path  # evidence files of the communication plan
    questionnaire = make_questionnaire("phieu-rieng-a", frozen=False)
    Questionnaire.objects.filter(pk=questionnaire.pk).update(title=QUESTIONNAIRE_TITLE, owner=tree["A"])
    questionnaire.refresh_from_db()
    setup = make_campaign(organiser=tree["A"], units=[tree["A1"], tree["A2"]], code="dot-bi-mat-a", channels=("phone", "desk"), questionnaire=questionnaire)
    Campaign.objects.filter(pk=setup.campaign.pk).update(name=CAMPAIGN_NAME)
    campaign = Campaign.objects.select_related("organiser").get(pk=setup.campaign.pk)
    Campaign.objects.filter(pk=campaign.pk).update(status="draft")
    frame_import(campaign=campaign, source=frame_file(), actor=SYSTEM)
    enumerator = make_user("dtv.a1", Role.ENUMERATOR, tree["A1"])
    sample_draw(campaign=campaign, actor=SYSTEM)
    case = Assignment.objects.filter(campaign=campaign, quota__unit=tree["A1"], is_reserve=False).order_by("draw_order").first()
    Assignment.objects.filter(pk=case.pk).update(enumerator=enumerator)
    Campaign.objects.filter(pk=campaign.pk).update(status="active")
    likert = {q.code: 4 for q in questionnaire.questions.filter(type="likert5")}
    response = make_response(campaign, tree["A1"], likert, channel=Channel.PHONE)
    make_response(campaign, tree["A2"], likert, channel=Channel.PHONE)
    population = population_save(actor=SYSTEM, campaign=campaign, unit=tree["A1"], channel=Channel.PHONE, population=800)
    index_recompute(campaign.pk, full=True)
    # Province B's own campaign, so that every list and filter has more than A's row to show charlie.
    other = make_campaign(organiser=tree["B"], units=[tree["B1"]], code="dot-cua-b", channels=("desk",))
    make_response(other.campaign, tree["B1"], {q.code: 5 for q in other.questionnaire.questions.filter(type="likert5")}, channel=Channel.DESK)
    job = ExportJob.objects.create(requested_by=alice, campaign=campaign, kind="report", status=ExportStatus.DONE)
    import_job = ImportJob.objects.create(
        kind="frame", requested_by=alice, params={"campaign": campaign.pk}, rows=6, status=ImportStatus.DONE, progress=100,
        message=f"Đã nhập 6 người vào khung mẫu của «{CAMPAIGN_NAME}».",
    )
    token = api_token_create(user=alice, name="Tổng đài", actor=alice)[0]
    # issue 16: A's communication plan, A1 reported with a photo (communication/)
    today = campaign.fieldwork_start
    activity = make_activity(plan_for(campaign=campaign, actor=SYSTEM), [tree["A1"], tree["A2"]], title="Niêm yết tại Xã A1", start=today, deadline=today)
    task = task_report(task=UnitTask.objects.get(activity=activity, unit=tree["A1"]), actor=SYSTEM, files=[photo()])
    objects = {
        "auth.group": Group.objects.get(name=OFFICIAL_GROUP),
        "auth.user": alice,
        "units.unittype": UnitType.objects.get(code="province"),
        "units.unit": tree["A-SYT"],
        "units.membership": Membership.objects.get(user=bob),
        "units.apitoken": token,
        "units.auditentry": AuditEntry.objects.filter(unit=tree["A1"]).first() or AuditEntry.objects.filter(unit=tree["A"]).first(),
        "campaigns.campaign": campaign,
        "campaigns.frameentry": FrameEntry.objects.filter(campaign=campaign).first(),
        "campaigns.assignment": Assignment.objects.filter(campaign=campaign).first(),
        "campaigns.stratumpopulation": population,
        "surveys.questionnaire": questionnaire,
        "surveys.question": Question.objects.filter(questionnaire=questionnaire).first(),
        "surveys.response": response,
        "reports.reportheading": ReportHeading.objects.create(campaign=campaign, issuing_body="SỞ NỘI VỤ TỈNH A", symbol="BC-SNV", place="Tỉnh A"),
        "communication.communicationplan": activity.plan,
        "communication.activity": activity,
        "communication.evidence": CommsEvidence.objects.get(task=task),
    }
    backcheck = BackCheck.objects.create(campaign=campaign, response=response, enumerator=enumerator, seed=42, items=[])
    objects["plans"] = plan_world(campaign, tree["A1"])
    return World(campaign, questionnaire, setup.quotas["A1"], response, job, import_job, token, case, enumerator, backcheck, objects)


# ------------------------------------------------------------------------------------------ the URLs


def routes(patterns: list | None = None, prefix: str = "") -> Iterator[str]:
    """Every URL pattern of the project as route text ("bao-cao/<slug:code>/"), the admin's included."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


ADMIN_MODEL = re.compile(r"^admin/(\w+)/(\w+)/")


def admin_model(route: str) -> str | None:
    match = ADMIN_MODEL.match(route)
    return f"{match[1]}.{match[2]}" if match and apps.is_installed(f"django.contrib.{match[1]}") or match and match[1] in {"units", "campaigns", "surveys", "reports", "communication", "axes", "otp_totp"} else None


def url_for(route: str, world: World) -> str:
    """The route with its arguments filled from A's world."""
    if "(?P<app_label>" in route:
        return "/admin/units/"
    if "(?P<url>" in route:
        return "/admin/khong-co-trang-nay/"
    model = admin_model(route)
    obj = world.objects.get(model) if model else None
    values = {
        "object_id": str(obj.pk) if obj is not None else ("999999" if model else str(world.campaign.pk)),
        "content_type_id": str(ContentType.objects.get_for_model(Campaign).pk),
        "id": str(world.objects["auth.user"].pk),
        "pk": str(
            world.questionnaire.pk if route.startswith("admin/surveys/questionnaire") else world.import_job.pk if route.startswith("nhap/") else world.job.pk
        ),
        "quota_id": str(world.quota.pk),
        "key": str(world.response.uuid),
        "public_key": str(world.campaign.public_key),
        "token_id": str(world.token.pk),
        "code": world.campaign.code,
        "unit_code": "A1",
        "version": "1",
        # bob, a member of A; the enumerator of A1 for the pages of field accounts
        "user_id": str(world.enumerator.pk if route.startswith("nguoi-dung/") else world.objects["units.membership"].user_id),
        "case_id": str(world.case.pk),
        "backcheck_id": str(world.backcheck.pk),
        "uidb64": "MQ",  # a password-reset link's user: a made-up one, its token refused
        "token": "khong-hop-le",
        **world.objects["plans"],  # measure_id, evidence_id, schedule_id
        "activity_id": str(world.objects["communication.activity"].pk),
        "task_id": str(UnitTask.objects.get(activity=world.objects["communication.activity"], unit__code="A1").pk),
        "item_id": str(world.objects["communication.evidence"].pk),
        "window_id": str(world.campaign.windows.order_by("pk").first().pk),
    }
    if route.startswith("admin/r/"):
        values["object_id"] = str(world.campaign.pk)
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m[1]], route)


def sweep_urls(world: World) -> list[tuple[str, str]]:
    return sorted({(route, url_for(route, world)) for route in routes()})


# ------------------------------------------------------------------------------------------ POST bodies


def upload(rows: list[list[Any]], name: str = "tep.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xlsx_bytes(rows))


def xlsform_upload(form_id: str) -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    book.active.title = "survey"
    book.active.append(["type", "name", "label"])
    book.active.append(["integer", "tuoi", "Tuổi"])
    book.create_sheet("settings").append(["form_id"])
    book["settings"].append([form_id])
    data = io.BytesIO()
    book.save(data)
    return SimpleUploadedFile("phieu.xlsx", data.getvalue())


def edited(obj: Any) -> dict[str, Any]:
    """A change form's data for `obj` with every text field changed (inline formsets left out)."""
    data: dict[str, Any] = {}
    for name, value in model_to_dict(obj).items():
        field = obj._meta.get_field(name)
        if isinstance(field, FileField) or value is None:
            continue
        if isinstance(value, list):
            data[name] = [getattr(item, "pk", item) for item in value]
        elif isinstance(value, str) and not field.choices:
            data[name] = f"{value}-BI-SUA"[: field.max_length or None]
        elif isinstance(field, ForeignKey):
            data[name] = value
        elif isinstance(value, dict):
            data[name] = json.dumps(value)
        else:
            data[name] = value
    return data


def post_bodies(route: str, url: str, world: World) -> list[dict[str, Any]]:
    """The POSTs a route gets: an empty one, and the attacks that fit it."""
    tree = {unit.code: unit for unit in Unit.objects.all()}
    model = admin_model(route)
    bodies: list[dict[str, Any]] = [{}]
    if route.endswith("/delete/"):
        bodies.append({"post": "yes"})
    if route.endswith("/change/") and model in world.objects:
        bodies.append(edited(world.objects[model]))
    if model in world.objects and route == f"admin/{model.replace('.', '/')}/":
        model_admin = admin.site._registry[apps.get_model(model)]
        superuser = User(is_superuser=True, is_active=True, is_staff=True)
        request = type("R", (), {"user": superuser, "GET": {}, "POST": {}})()
        for action in model_admin.get_actions(request):
            bodies.append({"action": action, "_selected_action": [world.objects[model].pk], "post": "yes", "index": 0})
    attacks: dict[str, list[dict[str, Any]]] = {
        "admin/units/unit/import/": [
            {"file": upload([["code", "name", "type", "parent_code"], ["A", "Tỉnh A bị đổi tên", "province", None]])},
            {"file": upload([["code", "name", "type", "parent_code"], ["X9", "Cài vào A", "agency", "A"]])},
            {"file": upload([["code", "name", "type", "parent_code"], ["NEW", "Tỉnh mới", "province", None]])},
            {"file": upload([["code", "name", "type", "parent_code"], ["A1", "Xã A1", "commune", "B"]])},
        ],
        "admin/units/unit/add/": [{"code": "X8", "name": "Cài vào A", "type": UnitType.objects.get(code="agency").pk, "parent": tree["A"].pk, "is_active": "on"}],
        "admin/units/unittype/add/": [{"code": "moi", "name": "Loại mới", "order": 1}],
        "admin/units/membership/add/": [{"user": uid, "unit": tree["A"].pk, "role": "official"} for uid in User.objects.values_list("pk", flat=True)],
        "admin/campaigns/campaign/<path:object_id>/khung-mau/": [{"file": upload(frame_file().getvalue() and [["họ tên", "unit_code"], ["Người lạ", "A1"]])}],
        "admin/campaigns/stratumpopulation/add/": [{"campaign": world.campaign.pk, "unit": tree["A2"].pk, "channel": "phone", "population": 900}],
        "admin/campaigns/stratumpopulation/nhap/": [
            {"campaign": world.campaign.pk, "file": upload([["unit_code", "channel", "population"], ["A1", "phone", 5000], ["A2", "phone", 7000]])},
            {"campaign": world.campaign.pk, "from_frame": "on"},
        ],
        "admin/campaigns/stratumpopulation/thiet-ke/": [{"campaign": world.campaign.pk, "rule": "pooled", "min_respondents": 2, "max_cv": 90, "trim": "0.3, 3"}],
        "admin/surveys/response/import/": [{"campaign": world.campaign.pk, "file": upload([["unit_code", "channel"], ["A1", "phone"]])}],
        "admin/surveys/questionnaire/import-xlsform/": [{"file": xlsform_upload("cai-vao"), "owner": tree["A"].pk}, {"file": xlsform_upload(world.questionnaire.code)}],
        "admin/surveys/questionnaire/load-template/": [{"template": "sipas"}],
        "admin/surveys/questionnaire/<int:pk>/copy/": [{"owner": tree["A"].pk}],
        "bao-cao/<slug:code>/xuat/": [{"kind": "report", "include_raw": "on"}, {"kind": "raw_csv"}, {"kind": "report"}],
        "bao-cao/<slug:code>/cong-bo/": [{"checksum": "0" * 64, "change_note": "x"}],
        "giam-sat/phieu/": [
            {"action": "approve", "ids": [world.response.pk]},
            {"action": "reject", "reason": "x", "ids": [world.response.pk]},
            # every response matching an empty filter, with A's count confirmed: an outsider's filter matches others
            {"action": "hold", "all_matching": "on", "expected": Response.objects.filter(campaign=world.campaign).count(), "query": ""},
        ],
        "giam-sat/phieu/<uuid:key>/": [
            {"action": "reject", "reason": "bị loại"},
            {"action": "return", "reason": "gửi lại điều tra viên"},
            {"action": "approve_next", "query": ""},
            {"action": "correct", "c-S1_Q1": "1", "c-used_before": "yes", "correction_reason": "sửa"},
        ],
        "xuat/<int:pk>/thu-lai/": [{}],
        "dieu-tra/truong-hop/": [{"ids": [world.case.pk], "to_user": world.enumerator.pk, "reason": "chuyển"}, {"ids": [world.case.pk], "to_user": world.objects["auth.user"].pk, "reason": "chuyển"}],
        "dieu-tra/truong-hop/<int:case_id>/": [
            {"action": "attempt", "outcome": "refused", "note": "từ chối"},
            {"action": "reassign", "to_user": world.objects["auth.user"].pk, "reason": "chuyển"},
        ],
        "giam-sat/phuc-tra/<slug:code>/": [{"seed": "7"}, {}],
        "giam-sat/phuc-tra/phieu/<int:backcheck_id>/": [{"reached": "yes", "interviewed": "no", "note": "x"}, {"reached": "no"}],
        "nguoi-dung/": [{"username": "dtv.cai", "full_name": "Cài vào A", "phone": "", "unit": tree["A1"].pk, "role": "enumerator"}],
        "nguoi-dung/nhap/": [{"file": upload([["username", "full name", "phone", "unit code", "role"], ["dtv.cai2", "Cài vào A", "", "A1", "enumerator"]])}],
        "nguoi-dung/<int:user_id>/kich-hoat/": [{"active": "0"}],
        "ke-hoach/<slug:code>/": [{}],
        "ke-hoach/<slug:code>/quy-dinh/": [{"required_units": "all", "weakest_count": 5, "due_days": 1, "remind_days_before": 1, "remind_every_days_after": 1}],
        "ke-hoach/<slug:code>/don-vi/<str:unit_code>/bien-phap/": [
            {"criterion": PlanCriterion.objects.get().pk, "action": "Cài vào A", "owner": "x", "due_on": "2026-12-31"}
        ],
        "ke-hoach/<slug:code>/don-vi/<str:unit_code>/bien-phap/<int:measure_id>/minh-chung/": [
            {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n"), "note": "x"},
            {"link": "https://x.vn/"},
        ],
        "ke-hoach/<slug:code>/don-vi/<str:unit_code>/duyet/": [{"decision": "approve"}, {"decision": "return", "comment": "x"}],
        "tu-khao-sat/<str:unit_code>/": [{"template": world.campaign.pk, "every_months": 3, "next_start": "2027-01-01"}],
        # issue 16: the communication plan (an activity for A's communes, a report with a photo, the letter's fields)
        "truyen-thong/<slug:code>/hoat-dong/moi/": [{"kind": "radio", "title": "Cài vào A", "start": "2025-09-01", "deadline": "2025-09-30", "unit_types": ["commune"]}],
        "truyen-thong/<slug:code>/hoat-dong/<int:activity_id>/": [{"kind": "other", "title": "Bị sửa", "start": "2025-09-01", "deadline": "2025-09-30", "units": [tree["A1"].pk]}],
        "truyen-thong/viec/<int:task_id>/": [{"files": [photo()], "links": "https://cai-vao.vn/", "note": "cài"}],
        "truyen-thong/<slug:code>/cong-van/": [{"letter_number": "1/CAI", "signer_name": "Cài vào"}],
        # issue 17: the campaign builder
        "dot-khao-sat/tao-moi/": [{"code": "cai-vao", "name": "Cài vào A", "organiser": tree["A"].pk, "fieldwork_start": "2027-01-01", "fieldwork_end": "2027-02-01", "index_scheme": "sipas"}],
        "dot-khao-sat/<str:code>/thiet-lap/thong-tin/": [{"code": world.campaign.code, "name": "Bị sửa", "organiser": tree["B"].pk, "fieldwork_start": "2025-09-01", "fieldwork_end": "2025-12-31", "index_scheme": "sipas"}],
        "dot-khao-sat/<str:code>/thiet-lap/phieu/": [{f"type_{code}": world.questionnaire.pk for code in UnitType.objects.values_list("code", flat=True)}],
        "dot-khao-sat/<str:code>/thiet-lap/kenh/": [{"channel": "online", "start": "2025-09-01", "end": "2025-09-30"}],
        "dot-khao-sat/<str:code>/thiet-lap/khung-mau/": [{"file": upload([["họ tên", "mã đơn vị"], ["Người lạ", "A1"]])}],
        "dot-khao-sat/<str:code>/thiet-lap/dieu-tra-vien/": [
            {"enumerator": world.enumerator.pk, "units": [str(tree["A2"].pk)]},
            {"revoke": Membership.objects.filter(user=world.enumerator).values_list("pk", flat=True).first()},
        ],
        "dot-khao-sat/<str:code>/thiet-lap/rut-mau/": [{"reserve_percent": "10", "redraw": "1"}, {"reserve_percent": "10"}],
    }
    return bodies + [{key: (SimpleUploadedFile(value.name, value.read()) if hasattr(value, "read") and value.seek(0) is None else value) for key, value in body.items()} for body in attacks.get(route, [])]


# ------------------------------------------------------------------------------------------ "nothing changed"

WATCHED = [
    ("units.Unit", ("code", "name", "path", "type_id", "is_active", "successor_id")),
    ("units.UnitType", ("code", "name")),
    ("units.Membership", ("user_id", "unit_id", "role")),
    ("units.ApiToken", ("name", "revoked_at")),
    ("units.AuditEntry", ("action", "object_id")),
    ("campaigns.Campaign", ("code", "name", "status", "organiser_id", "draw_seed", "published_at", "scheme_options")),
    ("campaigns.CampaignForm", ("questionnaire_id",)),
    ("campaigns.ChannelWindow", ("channel", "start", "end")),
    ("campaigns.SampleQuota", ("unit_id", "target")),
    ("campaigns.FrameEntry", ("full_name", "phone")),
    ("campaigns.Assignment", ("status", "enumerator_id", "disposition", "attempt_count", "released_at")),
    ("campaigns.ContactAttempt", ("outcome", "assignment_id")),
    ("campaigns.StratumPopulation", ("campaign_id", "unit_id", "channel", "population", "source")),
    ("surveys.Questionnaire", ("code", "version", "title", "status", "owner_id")),
    ("surveys.Section", ("title",)),
    ("surveys.Question", ("text",)),
    ("surveys.Response", ("status", "unit_id", "version")),
    ("surveys.Answer", ("response_id", "question_id", "value")),
    ("surveys.AnswerRevision", ("response_id", "new_value")),
    ("surveys.ResponseVersion", ("response_id", "number")),
    ("surveys.BackCheck", ("status", "discrepancy", "seed", "response_id")),
    ("surveys.ResponseFlag", ("kind", "message")),
    ("reports.ExportJob", ("status", "kind")),
    ("units.ImportJob", ("status", "kind")),
    ("reports.Snapshot", ("status", "version")),
    ("reports.ReportHeading", ("campaign_id", "issuing_body", "symbol", "signer_name", "recipients")),
    ("auth.User", ("username", "is_staff", "is_superuser", "password", "is_active")),
    ("units.AccountProfile", ("user_id", "phone")),
    ("admin.LogEntry", ("object_id",)),
    ("plans.PlanRules", ("required_units", "weakest_count", "due_days")),
    ("plans.ImprovementPlan", ("status", "late", "due_on", "submitted_at")),
    ("plans.Measure", ("action", "owner")),
    ("plans.Evidence", ("file", "link")),
    ("plans.PlanEvent", ("kind", "comment")),
    ("plans.SelfSurveySchedule", ("next_start", "last_campaign_id")),
    ("communication.CommunicationPlan", ("letter_number", "signer_name")),
    ("communication.Activity", ("title", "kind", "deadline")),
    ("communication.UnitTask", ("unit_id", "done_at")),
    ("communication.Evidence", ("task_id", "link", "stored_name")),
]


def fingerprint() -> str:
    digest = hashlib.sha256()
    for label, fields in WATCHED:
        rows = apps.get_model(label).objects.order_by("pk").values_list("pk", *fields)
        digest.update(f"{label}:{list(rows)}".encode())
    return digest.hexdigest()


# ------------------------------------------------------------------------------------------ the sweep


def login(client: Client, user: User | None) -> None:
    client.logout()
    if user is not None:
        client.force_login(user)


def body_of(response) -> str:  # type: ignore[no-untyped-def]
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


@dataclass
class Result:
    method: str
    url: str
    status: int
    body: str
    location: str
    changed: bool
    sent: str  # the POST's fields (files by name)

    def __str__(self) -> str:
        return f"{self.method} {self.url} {self.sent} → {self.status} {self.location}".strip()


def sweep(user: User | None, world: World) -> list[Result]:
    """Every GET first, then every POST (so the owner's own changes do not hide pages); a server error is a result."""
    client = Client(raise_request_exception=False)
    results = []
    urls = sweep_urls(world)
    for _route, url in urls:
        login(client, user)
        response = client.get(url)
        results.append(Result("GET", url, response.status_code, body_of(response), response.get("Location", ""), False, ""))
    for route, url in urls:
        for body in post_bodies(route, url, world):
            login(client, user)
            before = fingerprint()
            response = client.post(url, body)
            sent = json.dumps({key: getattr(value, "name", value) for key, value in body.items()}, ensure_ascii=False, default=str)
            results.append(Result("POST", url, response.status_code, body_of(response), response.get("Location", ""), before != fingerprint(), sent))
    return results


# Writes the rules allow these personas to make with the sweep's POSTs: any official may load a built-in
# template (a shared questionnaire whose content comes from the code; only superusers change it), and a
# reader of the whole campaign may ask for the department report without raw rows.
ALLOWED_WRITES = {
    "official": {("/admin/surveys/questionnaire/load-template/", '{"template": "sipas"}')},
    "reader": {("/bao-cao/dot-bi-mat-a/xuat/", '{"kind": "report"}')},
}


def unexpected_writes(results: list[Result], *allowed: str) -> list[str]:
    permitted = set().union(*(ALLOWED_WRITES[name] for name in allowed))
    return [f"{result}: changed data" for result in results if result.changed and (result.url, result.sent) not in permitted]


def no_server_errors(results: list[Result]) -> list[str]:
    return [f"{result}: server error" for result in results if result.status >= 500]


def test_anonymous_visitors_meet_a_login_or_a_refusal_everywhere_but_the_public_pages(world):
    results = sweep(None, world)
    problems = no_server_errors(results) + unexpected_writes(results)
    for result in results:
        if PUBLIC.match(result.url):
            problems += [f"{result}: personal data «{m}»" for m in PERSONAL_MARKERS if m in result.body]
        elif not (result.status in (401, 403, 404, 405) or result.status == 302 and re.search(r"/dang-nhap/|/admin/login/", result.location)):
            problems.append(str(result))
    assert problems == [], "\n".join(problems)


def test_the_outsider_reads_nothing_of_province_a_and_changes_nothing(world, charlie):
    results = sweep(charlie, world)
    problems = no_server_errors(results) + unexpected_writes(results, "official")
    for result in results:
        markers = PERSONAL_MARKERS if PUBLIC.match(result.url) else A_MARKERS
        problems += [f"{result}: «{m}»" for m in markers if m in result.body or m in result.location]
    pages_of_a = [r for r in results if r.method == "GET" and f"/admin/campaigns/campaign/{world.campaign.pk}/" in r.url]
    # Django's old-style object address redirects to the change page whatever the id, telling nothing.
    problems += [f"{result}: not refused" for result in pages_of_a if result.status not in (403, 404) and not result.location.endswith("/change/")]
    assert pages_of_a and problems == [], "\n".join(problems)


def test_a_member_who_only_reads_writes_nothing(world, bob):
    results = sweep(bob, world)
    problems = no_server_errors(results) + unexpected_writes(results, "reader")
    for result in results:
        if result.url.startswith("/admin/") and not PUBLIC.match(result.url) and not (result.status == 302 and "/admin/login/" in result.location):
            problems.append(f"{result}: the admin is for officials")
    assert problems == [], "\n".join(problems)


# Where the rules refuse the owner too: pages for superusers only (accounts, login records, API keys, unit
# types), rows never edited in the admin (responses, the frame, assignments, the audit log), a questionnaire
# in use (locked: a new version is made instead), an active campaign (not deleted), results not yet
# published, the online survey of a campaign with no online channel, and views that need a POST or parameters;
# communication plans and activities are added on their pages (where units are chosen), evidence is never edited.
EXPECTED_FOR_ALICE = re.compile(
    r"^/(admin/("
    r"(auth|axes|otp_totp)/|units/apitoken/|units/unittype/(add|\d+/delete)/"
    r"|units/auditentry/(add|\d+/delete)/|surveys/response/(add|\d+/delete|\d+/change)/"
    r"|campaigns/(frameentry|assignment)/(add|\d+/delete|\d+/change)/"
    r"|campaigns/campaign/\d+/delete/|surveys/(questionnaire|question)/\d+/delete/"
    r"|communication/(communicationplan/add|activity/(add|\d+/delete)|evidence/(add|\d+/delete))/"
    r"|surveys/questionnaire/\d+/(new-version|confirm-roles)/|password_change/done/|logout/|autocomplete/|r/\d+/\d+/|khong-co-trang-nay/"
    r")|ket-qua/dot-bi-mat-a/|khao-sat/[-0-9a-f]+/tra-loi/)"
)


def django_english_texts() -> set[str]:
    """Django's own English texts of several words (those of its Vietnamese catalogs: the admin, accounts,
    forms): none may show on a page in Vietnamese mode."""
    import gettext
    from pathlib import Path

    import django

    root = Path(django.__file__).parent
    texts: set[str] = set()
    for catalog in [*root.glob("contrib/*/locale/vi/LC_MESSAGES/django.mo"), root / "conf/locale/vi/LC_MESSAGES/django.mo"]:
        with catalog.open("rb") as handle:
            texts |= {
                key for key in gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
                if isinstance(key, str) and len(key) >= 8 and " " in key and not set(key) & set("%{}\n")
            }
    return texts


def visible_text(html: str) -> str:
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    attributes = " ".join(re.findall(r'(?:title|placeholder|aria-label)="([^"]*)"', html))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html) + " " + attributes)


def english_on_pages(results: list[Result]) -> list[str]:
    texts = django_english_texts()
    problems = []
    for result in results:
        if result.method == "GET" and result.status == 200 and result.body.lstrip().startswith(("<!doctype", "<!DOCTYPE", "<html")):
            text = visible_text(result.body)
            problems += [f"{result}: English «{english}»" for english in texts if english in text]
    return problems


def test_the_owner_works_on_every_page_of_her_province(world, alice):
    results = sweep(alice, world)
    problems = no_server_errors(results) + english_on_pages(results)
    gets = [result for result in results if result.method == "GET"]
    for result in gets:
        expected = bool(EXPECTED_FOR_ALICE.match(result.url))
        works = result.status in (200, 302) if result.url.startswith("/admin/") else result.status not in (403, 404)
        if not expected and not works:
            problems.append(f"{result}: refused to the owner")
    assert problems == [], "\n".join(problems)
    assert len(gets) > 120
