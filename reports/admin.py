from django.contrib import admin  # noqa: F401

# The heading and signature of the campaign's signed-format report (NĐ 30/2020/NĐ-CP): filled by the
# officials who publish (units.access: Action.RESULTS_PUBLISH), rows and campaign choices limited to
# campaigns organised in their subtrees; saved through reports.documents.headings (audited).
from django.contrib import admin as _admin  # noqa: E402
from django.shortcuts import redirect  # noqa: E402
from django.utils.translation import gettext_lazy as _  # noqa: E402

import reports.estimation.admin  # noqa: F401 (registers the admin of campaigns' population sizes)
from campaigns.models import Campaign  # noqa: E402
from reports.documents.headings import heading_default, report_heading_save  # noqa: E402
from reports.models import ReportHeading  # noqa: E402
from units.access import Action, scope  # noqa: E402
from units.admin import ScopedAdmin  # noqa: E402


@_admin.register(ReportHeading)
class ReportHeadingAdmin(ScopedAdmin):
    scope_field = "campaign__organiser"
    scope_action = Action.RESULTS_PUBLISH
    write_action = Action.RESULTS_PUBLISH
    list_display = ("campaign", "issuing_body", "symbol", "signer_title", "signer_name", "updated_at")
    search_fields = ("campaign__code", "campaign__name", "issuing_body", "signer_name")
    fieldsets = (
        (None, {"fields": ("campaign",)}),
        (_("Cơ quan ban hành, số và ngày"), {"fields": ("parent_body", "issuing_body", "number", "symbol", "place", "issued_on")}),
        (_("Người ký"), {"fields": ("signer_authority", "signer_title", "signer_name")}),
        (_("Nơi nhận"), {"fields": ("recipients", "archive")}),
    )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "campaign":
            kwargs["queryset"] = scope(request.user, Action.RESULTS_PUBLISH, Campaign.objects.select_related("organiser"), "organiser")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):  # type: ignore[no-untyped-def]
        """?campaign=<id> (the dashboard's link) fills the defaults from the campaign's organiser."""
        initial = super().get_changeform_initial_data(request)
        campaign = scope(request.user, Action.RESULTS_PUBLISH, Campaign.objects.select_related("organiser"), "organiser").filter(
            pk=str(request.GET.get("campaign", "")).strip() or None
        ).first() if str(request.GET.get("campaign", "")).isdigit() else None
        if campaign is not None:
            default = heading_default(campaign)
            initial.update({name: getattr(default, name) for name in (
                "campaign", "parent_body", "issuing_body", "symbol", "place", "signer_title", "recipients", "archive",
            )})
            initial["campaign"] = campaign.pk
        return initial

    def add_view(self, request, form_url="", extra_context=None):  # type: ignore[no-untyped-def]
        """The dashboard's link names the campaign: a campaign that has its heading opens it instead."""
        campaign_id = str(request.GET.get("campaign", ""))
        if request.method == "GET" and campaign_id.isdigit():
            existing = self.get_queryset(request).filter(campaign_id=int(campaign_id)).values_list("pk", flat=True).first()
            if existing is not None:
                return redirect("admin:reports_reportheading_change", existing)
        return super().add_view(request, form_url, extra_context)

    def save_model(self, request, obj, form, change) -> None:  # type: ignore[no-untyped-def]
        report_heading_save(actor=request.user, heading=obj)
