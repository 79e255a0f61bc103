"""Report pages: dashboards, the unit page, exports, publication and the public results page.

Views read input with a form, call one selector or service and render. Outsiders get 404,
read-only members 403 (units.selectors decides who is which).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from campaigns.models import Campaign
from campaigns.selectors import campaign_by_code
from reports import dashboards, exports, freshness, publication
from reports.documents import pdf
from reports.documents import report as signed_report
from reports.forms import DashboardFilterForm, ExportRequestForm, PublishForm
from reports.models import ExportJob, ExportStatus
from units.access import Action, allowed
from units.formatting import datetime_vi
from units.models import Unit
from units.selectors import unit_by_code


@login_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = dashboards.campaigns_for_landing(request.user)
    return render(request, "reports/campaign_list.html", {"campaigns": campaigns})


def _root_unit(reach: dashboards.Reach) -> Unit:
    if reach.everything:
        return reach.campaign.organiser
    return dashboards.reach_units(reach).first() or reach.campaign.organiser


@login_required
@require_GET
def dashboard(request: HttpRequest, code: str) -> HttpResponse:
    reach = dashboards.campaign_reach(user=request.user, code=code)
    forms_ = dashboards.campaign_forms(reach.campaign)
    form = DashboardFilterForm(request.GET or None, reach=reach, forms_=forms_)
    unit, form_id, channel, rank_intervals = _root_unit(reach), None, None, False
    if form.is_bound and form.is_valid():
        unit = form.cleaned_data["unit"] or unit
        form_id, channel = form.cleaned_data["form"], form.cleaned_data["channel"] or None
        rank_intervals = form.cleaned_data["rank_intervals"]
    data = dashboards.campaign_dashboard(reach=reach, unit=unit, form_id=form_id, channel=channel, rank_intervals=rank_intervals)
    context = {
        "reach": reach,
        "campaign": reach.campaign,
        "filter_form": form,
        "data": data,
        "chart_data": data.chart_data(),
        **_freshness_context(request, reach.campaign, data.snapshot),
        "can_publish": allowed(request.user, Action.RESULTS_PUBLISH, reach.campaign.organiser),
        "export_form": ExportRequestForm(raw_allowed=allowed(request.user, Action.RAW_EXPORT, reach.campaign.organiser)),
        "published": dashboards.snapshot_published(reach.campaign),
        **_document_context(request, reach.campaign, reach.campaign.organiser),
    }
    return render(request, "reports/dashboard.html", context)


@login_required
@require_GET
def unit_results(request: HttpRequest, code: str, unit_code: str) -> HttpResponse:
    reach = dashboards.campaign_reach(user=request.user, code=code)
    unit = unit_by_code(unit_code, Unit.objects.select_related("parent"))
    if unit is None or not reach.covers(unit):
        raise Http404
    data = dashboards.unit_page(reach=reach, unit=unit)
    context = {
        "campaign": reach.campaign, "data": data, "reach": reach, **_freshness_context(request, reach.campaign, data.snapshot),
        **_document_context(request, reach.campaign, unit),
    }
    return render(request, "reports/unit.html", context)


# ---------------------------------------------------------------- the signed-format report (.docx, NĐ 30/2020)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _document_context(request: HttpRequest, campaign: Campaign, unit: Unit) -> dict:
    """What the report buttons need: whether a published version exists, whether this user may have a
    provisional one, whether PDF is possible here, and the heading's admin page for who fills it."""
    may_heading = allowed(request.user, Action.RESULTS_PUBLISH, campaign.organiser)
    return {
        "report_published": campaign.published_at is not None,  # stamped at the first publication: no query
        "report_working": allowed(request.user, Action.REPORT_WORKING, unit),
        "report_pdf": pdf.pdf_available(),
        # the admin's add page opens the campaign's heading when it has one (ReportHeadingAdmin.add_view)
        "report_heading_url": reverse("admin:reports_reportheading_add") + f"?campaign={campaign.pk}" if may_heading else "",
    }


def _document_response(request: HttpRequest, campaign: Campaign, unit: Unit | None) -> HttpResponse:
    working = request.GET.get("so-lieu") == "tam-tinh"
    try:
        data, name = signed_report.report_document(actor=request.user, campaign=campaign, unit=unit, working=working)
        if request.GET.get("dinh-dang") == "pdf":
            return _pdf_response(data, name)
    except (signed_report.ReportUnavailable, pdf.PdfUnavailable) as problem:
        return render(request, "reports/report_unavailable.html", {"campaign": campaign, "message": str(problem)}, status=409)
    return HttpResponse(data, content_type=DOCX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _pdf_response(data: bytes, name: str) -> HttpResponse:
    pdf_name = name.removesuffix(".docx") + ".pdf"
    return HttpResponse(pdf.docx_to_pdf(data, name=name), content_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{pdf_name}"'})


@login_required
@require_GET
def report_document(request: HttpRequest, code: str) -> HttpResponse:
    reach = dashboards.campaign_reach(user=request.user, code=code)
    return _document_response(request, reach.campaign, _root_unit(reach))


@login_required
@require_GET
def unit_report_document(request: HttpRequest, code: str, unit_code: str) -> HttpResponse:
    reach = dashboards.campaign_reach(user=request.user, code=code)
    unit = unit_by_code(unit_code, Unit.objects.select_related("parent", "type"))
    if unit is None or not reach.covers(unit):
        raise Http404
    return _document_response(request, reach.campaign, unit)


# ---------------------------------------------------------------- freshness and "Tính lại ngay"


def _freshness_context(request: HttpRequest, campaign: Campaign, snapshot) -> dict:
    return {
        "fresh": freshness.freshness(campaign, snapshot),
        "can_recompute": allowed(request.user, Action.RESULTS_RECOMPUTE, campaign.organiser),
    }


@login_required
@require_POST
def recompute_now(request: HttpRequest, code: str) -> HttpResponse:
    reach = dashboards.campaign_reach(user=request.user, code=code)
    if freshness.index_recompute_now(actor=request.user, campaign=reach.campaign):
        messages.success(request, _("Đã gửi yêu cầu tính lại; thanh tiến độ cho biết khi nào xong."))
    else:
        messages.error(request, _("Chưa gửi được yêu cầu tính lại (hàng đợi không sẵn sàng); lượt quét định kỳ sẽ tính lại. Xem nhật ký máy chủ."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("reports:dashboard", args=[code])
    return redirect(back)


@login_required
@require_GET
def recompute_status(request: HttpRequest, code: str) -> JsonResponse:
    """The small JSON the freshness line polls (static/js/recompute_progress.js)."""
    reach = dashboards.campaign_reach(user=request.user, code=code)
    campaign = Campaign.objects.only("pk", "dirty_at").get(pk=reach.campaign.pk)  # the dirty mark, fresh
    state = freshness.freshness_of(campaign)
    show_run = allowed(request.user, Action.RESULTS_RUN_STATE, reach.campaign.organiser)
    return JsonResponse(
        {
            "computed_at": timezone.localtime(state.computed_at).isoformat() if state.computed_at else "",
            "computed_at_text": datetime_vi(state.computed_at, seconds=True) if state.computed_at else "",
            "waiting": state.waiting,
            "busy": state.busy,
            "progress": state.progress,
            "stage": state.stage,
            "error": state.error if show_run else "",
        }
    )


# ---------------------------------------------------------------- exports


@login_required
@require_POST
def export_create(request: HttpRequest, code: str) -> HttpResponse:
    reach = dashboards.campaign_reach(user=request.user, code=code)
    form = ExportRequestForm(request.POST, raw_allowed=True)  # what the user may have is decided below, with a 403
    if not form.is_valid():
        messages.error(request, _("Yêu cầu xuất không hợp lệ: hãy chọn loại tệp."))
        return redirect("reports:dashboard", code=code)
    kind = form.cleaned_data["kind"]
    if not exports.export_allowed(user=request.user, reach=reach, kind=kind, filters=form.filters()):
        raise PermissionDenied
    job = exports.export_request(actor=request.user, campaign=reach.campaign, kind=kind, filters=form.filters())
    return redirect("reports:export_detail", pk=job.pk)


def _own_job(request: HttpRequest, pk: int) -> ExportJob:
    """The user's own export whose campaign they still may see (and, for respondent rows, still may
    export); anything else is 404 or 403."""
    job = ExportJob.objects.select_related("campaign__organiser").filter(pk=pk, requested_by=request.user).first()
    if job is None:
        raise Http404
    dashboards.campaign_reach(user=request.user, code=job.campaign.code)
    if exports.export_holds_raw(job.kind, job.filters) and not allowed(request.user, Action.RAW_EXPORT, job.campaign.organiser):
        raise PermissionDenied
    return job


@login_required
@require_GET
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    return render(request, "reports/export_detail.html", {"job": job, "status": exports.export_status(job)})


@login_required
@require_GET
def export_status(request: HttpRequest, pk: int) -> JsonResponse:
    """The small JSON the progress bar polls (static/js/export_progress.js)."""
    job = _own_job(request, pk)
    status = exports.export_status(job)
    status["download_url"] = reverse("reports:export_download", args=[job.pk]) if status["ready"] else ""
    status["finished_at"] = datetime_vi(job.finished_at) if job.finished_at else ""
    return JsonResponse(status)


@login_required
@require_GET
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    if job.status != ExportStatus.DONE or not job.file:
        return render(request, "reports/export_detail.html", {"job": job, "status": exports.export_status(job)}, status=410 if job.status == ExportStatus.DONE else 409)
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=exports.export_filename(job))


@login_required
@require_POST
def export_retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    try:
        exports.export_retry(job_id=job.pk, user=request.user)
    except exports.ExportError as error:
        messages.error(request, str(error))
    return redirect("reports:export_detail", pk=job.pk)


# ---------------------------------------------------------------- publication and the public page


@login_required
def publish(request: HttpRequest, code: str) -> HttpResponse:
    """GET: what publishing now would publish (recomputed first when stale); POST: publish it."""
    reach = dashboards.campaign_reach(user=request.user, code=code)
    campaign = reach.campaign
    form = PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            snapshot = publication.campaign_results_publish(
                actor=request.user, campaign_id=campaign.pk, change_note=form.cleaned_data["change_note"],
                expected_checksum=form.cleaned_data["checksum"],
            )
        except publication.PublicationError as error:
            messages.error(request, str(error))
            return redirect("reports:publish", code=code)
        messages.success(request, _("Đã công bố kết quả, phiên bản %(version)s.") % {"version": snapshot.version})
        return redirect("reports:public_results", code=code)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405)
    preview = publication.publication_preview(actor=request.user, campaign=campaign)
    context = {"campaign": campaign, "preview": preview, "form": form, "fresh": freshness.freshness_of(campaign)}
    return render(request, "reports/publish_confirm.html", context)


@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/public_list.html", {"campaigns": publication.published_campaigns()})


def _public_snapshot(code: str, version: int | None):
    campaign = campaign_by_code(code)
    snapshot = dashboards.snapshot_published(campaign, version) if campaign else None
    return campaign, snapshot


@require_GET
def public_results(request: HttpRequest, code: str, version: int | None = None) -> HttpResponse:
    campaign, snapshot = _public_snapshot(code, version)
    if snapshot is None:
        return render(request, "reports/public_missing.html", {"code": code}, status=404)
    data = dashboards.public_results(campaign=campaign, snapshot=snapshot)
    return render(request, "reports/public_results.html", {"campaign": campaign, "data": data, "report_pdf": pdf.pdf_available()})


@require_GET
def public_download(request: HttpRequest, code: str, version: int) -> HttpResponse:
    campaign, snapshot = _public_snapshot(code, version)
    if snapshot is None or not snapshot.workbook:
        return render(request, "reports/public_missing.html", {"code": code}, status=404)
    return FileResponse(snapshot.workbook.open("rb"), as_attachment=True, filename=publication.workbook_filename(snapshot))


@require_GET
def public_figures(request: HttpRequest, code: str, version: int) -> HttpResponse:
    """The machine-readable JSON of a published version, byte for byte as its SHA-256 was taken."""
    campaign, snapshot = _public_snapshot(code, version)
    if snapshot is None or not snapshot.figures:
        return render(request, "reports/public_missing.html", {"code": code}, status=404)
    return FileResponse(snapshot.figures.open("rb"), as_attachment=True, filename=publication.figures_filename(snapshot), content_type="application/json")


def _public_document(code: str, version: int) -> tuple[Campaign | None, object, bytes | None]:
    """A published version's signed-format report: the one stored at publication, else made from its frozen figures."""
    campaign, snapshot = _public_snapshot(code, version)
    if snapshot is None:
        return campaign, None, None
    if snapshot.document:
        with snapshot.document.open("rb") as handle:
            return campaign, snapshot, handle.read()
    return campaign, snapshot, signed_report.report_document_build(campaign=campaign, snapshot=snapshot)


@require_GET
def public_document(request: HttpRequest, code: str, version: int) -> HttpResponse:
    campaign, snapshot, data = _public_document(code, version)
    if data is None:
        return render(request, "reports/public_missing.html", {"code": code}, status=404)
    name = signed_report.document_filename(snapshot)
    return HttpResponse(data, content_type=DOCX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@require_GET
def public_document_pdf(request: HttpRequest, code: str, version: int) -> HttpResponse:
    campaign, snapshot, data = _public_document(code, version)
    if data is None:
        return render(request, "reports/public_missing.html", {"code": code}, status=404)
    try:
        return _pdf_response(data, signed_report.document_filename(snapshot))
    except pdf.PdfUnavailable as problem:
        return render(request, "reports/report_unavailable.html", {"campaign": campaign, "message": str(problem)}, status=503)
