"""Admin for the unit tree, unit types, memberships, personal API keys and the audit log.

Non-superuser staff see only their own subtree (ScopedAdmin); every save goes through a service
so that it is audited.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from units.import_jobs import import_in_background
from units.models import ApiToken, AuditEntry, Membership, Unit, UnitType
from units.selectors import scope_queryset
from units.services import api_token_revoke, membership_grant, membership_revoke, unit_save, units_import
from units.spreadsheets import ImportFailed


class ScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows are limited to the user's subtrees through `scope_field`."""

    scope_field = "unit"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_queryset(super().get_queryset(request), user=request.user, field=self.scope_field)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):  # type: ignore[no-untyped-def]
        # Outsiders get a 404, not Django's "perhaps it was deleted" redirect that confirms nothing but hides less.
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404
        return super().change_view(request, object_id, form_url, extra_context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.related_model is Unit:
            kwargs["queryset"] = scope_queryset(Unit.objects.all(), user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Tệp Excel (.xlsx)"))


@admin.register(UnitType)
class UnitTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "order"]
    search_fields = ["code", "name", "name_en"]


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    scope_field = ""
    list_display = ["tree_name", "code", "type", "is_active", "valid_from", "valid_to", "successor"]
    list_filter = ["type", "depth", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["type", "successor"]
    raw_id_fields = ["parent", "successor"]
    readonly_fields = ["path", "depth"]
    list_per_page = 100
    change_list_template = "admin/units/unit/change_list.html"

    @admin.display(description=_("Tên đơn vị"), ordering="path")
    def tree_name(self, obj: Unit) -> str:
        return format_html('<span style="padding-left:{}em">{}</span>', obj.depth * 1.5, obj.name)

    def save_model(self, request: HttpRequest, obj: Unit, form, change: bool) -> None:  # type: ignore[no-untyped-def]
        unit_save(unit=obj, actor=request.user)

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [path("import/", self.admin_site.admin_view(self.import_view), name="units_unit_import"), *super().get_urls()]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            return redirect("admin:units_unit_changelist")
        errors: list[str] = []
        error_total = 0
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                job = import_in_background(actor=request.user, kind="units", upload=form.cleaned_data["file"])
                if job is not None:  # a large file: a worker imports it, its page shows the progress
                    return redirect("import_job", job.pk)
                changed = units_import(source=form.cleaned_data["file"], actor=request.user)
            except ImportFailed as failure:
                errors, error_total = failure.messages(), failure.total
            else:
                messages.success(request, _("Đã nhập %(n)d đơn vị.") % {"n": changed})
                return redirect("admin:units_unit_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "errors": errors,
            "error_total": error_total,
            "title": _("Nhập đơn vị từ Excel"),
            "columns": "code, name, type, parent_code",
        }
        return TemplateResponse(request, "admin/import_upload.html", context)


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "unit", "role"]


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    form = MembershipForm
    list_display = ["user", "role", "unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "unit__name", "unit__code"]
    raw_id_fields = ["unit"]
    list_select_related = ["user", "unit"]

    def save_model(self, request: HttpRequest, obj: Membership, form, change: bool) -> None:  # type: ignore[no-untyped-def]
        if change:
            old = Membership.objects.get(pk=obj.pk)
            membership_revoke(membership=old, actor=request.user)
            obj.pk = None
        saved = membership_grant(user=obj.user, unit=obj.unit, role=obj.role, actor=request.user)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        membership_revoke(membership=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for membership in queryset.select_related("user", "unit"):
            membership_revoke(membership=membership, actor=request.user)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Superusers only: keys are read and revoked here, never added (the page and `create_api_token` do that)."""

    list_display = ["name", "user", "shown_prefix", "created_at", "expires_at", "state_label", "created_by"]
    search_fields = ["user__username", "name", "prefix"]
    list_select_related = ["user", "created_by"]
    # key_hash is left out: not even its hash leaves the database through the admin.
    fields = ["user", "name", "prefix", "created_at", "expires_at", "revoked_at", "created_by"]
    readonly_fields = fields
    actions = ["revoke_selected"]

    @admin.display(description=_("Đầu khoá"), ordering="prefix")
    def shown_prefix(self, obj: ApiToken) -> str:
        return f"{obj.prefix}…"

    @admin.display(description=_("Trạng thái"))
    def state_label(self, obj: ApiToken) -> str:
        return str(obj.state.label)

    @admin.action(description=_("Thu hồi các khoá đã chọn"), permissions=["revoke"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        revoked = sum(api_token_revoke(token=token, actor=request.user) for token in queryset.select_related("user"))
        self.message_user(request, ngettext("Đã thu hồi %(n)d khoá.", "Đã thu hồi %(n)d khoá.", revoked) % {"n": revoked}, messages.SUCCESS)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return request.user.is_superuser

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        # Needed to delete a user (their keys go with them); officials' group permissions must not open it.
        return request.user.is_superuser


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "actor__username", "object_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
