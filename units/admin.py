"""Admin for the unit tree, unit types, memberships, personal API keys and the audit log.

Non-superuser staff see only their own subtree (ScopedAdmin); every save goes through a service
so that it is audited.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from units.access import Action, allowed, allowed_anywhere, scope
from units.import_jobs import import_in_background
from units.models import ApiToken, AuditEntry, Membership, Unit, UnitType
from units.selectors import scope_queryset
from units.services import (
    api_token_revoke,
    membership_grant,
    membership_revoke,
    unit_delete,
    unit_save,
    unit_type_delete,
    unit_type_save,
    unit_write_refusal,
    units_import,
)
from units.spreadsheets import ImportFailed


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """Django's raw-id widget names whatever row an id points at; this one names only rows of its choices,
    so a form posted back with another province's id does not show that unit's name."""

    def __init__(self, *args, choices: QuerySet, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.choices_queryset = choices

    def label_and_url_for_value(self, value):  # type: ignore[no-untyped-def]
        try:
            chosen = self.choices_queryset.filter(**{self.rel.get_related_field().name: value}).exists()
        except (ValueError, TypeError, ValidationError):
            chosen = False
        return super().label_and_url_for_value(value) if chosen else ("", "")


def raw_id_scoped(formfield):  # type: ignore[no-untyped-def]
    """A foreign-key form field whose raw-id widget names only rows of the field's choices."""
    if formfield is not None and isinstance(formfield.widget, ForeignKeyRawIdWidget) and not isinstance(formfield.widget, ScopedRawIdWidget):
        widget = formfield.widget
        formfield.widget = ScopedRawIdWidget(widget.rel, widget.admin_site, attrs=widget.attrs, using=widget.db, choices=formfield.queryset)
    return formfield


class ScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows are limited to the user's subtrees through `scope_field`.

    `scope_action` (units.access) decides which rows are listed: those under units where the user may
    take it (None: any role). `write_action`, when set, is needed at a row's unit to change or delete it.
    Outsiders get 404 for a row's pages; delete pages of non-superusers name only the chosen rows.
    """

    scope_field = "unit"
    scope_action: Action | None = None
    write_action: Action | None = None

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if self.scope_action is not None:
            return scope(request.user, self.scope_action, queryset, self.scope_field)
        return scope_queryset(queryset, user=request.user, field=self.scope_field)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):  # type: ignore[no-untyped-def]
        # Outsiders get a 404, not Django's "perhaps it was deleted" redirect that confirms nothing but hides less.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def object_unit(self, obj) -> Unit | None:  # type: ignore[no-untyped-def]
        """The unit a row belongs to (followed through `scope_field`)."""
        for name in filter(None, self.scope_field.split("__")):
            obj = getattr(obj, name, None)
        return obj

    def _may_write(self, request: HttpRequest, obj) -> bool:  # type: ignore[no-untyped-def]
        return obj is None or self.write_action is None or allowed(request.user, self.write_action, self.object_unit(obj))

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return super().has_change_permission(request, obj) and self._may_write(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return super().has_delete_permission(request, obj) and self._may_write(request, obj)

    def get_deleted_objects(self, objs, request: HttpRequest):  # type: ignore[no-untyped-def]
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if request.user.is_superuser:
            return to_delete, model_count, perms_needed, protected
        # Related rows may lie in other provinces (a campaign using a questionnaire): name only the chosen rows, count the rest.
        chosen = [f"{capfirst(obj._meta.verbose_name)}: {obj}" for obj in objs]
        if protected:
            protected = [ngettext("%(n)d đối tượng khác đang dùng mục này.", "%(n)d đối tượng khác đang dùng mục này.", len(protected)) % {"n": len(protected)}]
        return chosen, model_count, perms_needed, protected

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.related_model is Unit and "queryset" not in kwargs:
            units = Unit.objects.all()
            kwargs["queryset"] = scope(request.user, self.write_action, units) if self.write_action else scope_queryset(units, user=request.user)
        return raw_id_scoped(super().formfield_for_foreignkey(db_field, request, **kwargs))


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Tệp Excel (.xlsx)"))


def _superuser_only(request: HttpRequest) -> bool:
    return allowed(request.user, Action.UNIT_TYPES_WRITE, None)


@admin.register(UnitType)
class UnitTypeAdmin(admin.ModelAdmin):
    """The unit types every province shares: officials read them, superusers change them (audited)."""

    list_display = ["code", "name", "name_en", "order"]
    search_fields = ["code", "name", "name_en"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _superuser_only(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return _superuser_only(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return _superuser_only(request)

    def save_model(self, request: HttpRequest, obj: UnitType, form, change: bool) -> None:  # type: ignore[no-untyped-def]
        unit_type_save(unit_type=obj, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: UnitType) -> None:
        unit_type_delete(unit_type=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for unit_type in queryset:
            unit_type_delete(unit_type=unit_type, actor=request.user)


class UnitAdminForm(forms.ModelForm):
    """Says in the form (not with a 403 page) when a change reaches outside the user's subtree or makes a loop."""

    actor: User

    class Meta:
        model = Unit
        fields = ["code", "name", "type", "parent", "is_active", "valid_from", "valid_to", "successor"]

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        parent, unit_type = data.get("parent"), data.get("type")
        if self.errors or unit_type is None:
            return data
        stored = Unit.objects.select_related("type", "parent").filter(pk=self.instance.pk).first() if self.instance.pk else None
        refusal = unit_write_refusal(actor=self.actor, stored=stored, parent=parent, parent_code=parent.code if parent else "", type_code=unit_type.code)
        if refusal is not None:
            field = {"code": None, "type": "type", "parent_code": "parent"}[refusal[0]]
            self.add_error(field, refusal[1])
        elif stored is not None and parent is not None and parent.path.startswith(stored.path):
            self.add_error("parent", _("Đơn vị cha tạo thành vòng lặp."))
        return data


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    scope_field = ""
    write_action = Action.UNITS_WRITE
    form = UnitAdminForm
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

    def _may_write(self, request: HttpRequest, obj) -> bool:  # type: ignore[no-untyped-def]
        if obj is None:
            return True
        return unit_write_refusal(actor=request.user, stored=obj, parent=obj.parent, parent_code=obj.parent.code if obj.parent else "", type_code=obj.type.code) is None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and allowed_anywhere(request.user, Action.UNITS_WRITE)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        # Deleting needs the rights to create the unit where it is: at its parent (the top of the tree: superusers).
        if obj is not None and not (obj.parent is not None and allowed(request.user, Action.UNITS_WRITE, obj.parent) or request.user.is_superuser):
            return False
        return super().has_delete_permission(request, obj)

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):  # type: ignore[no-untyped-def]
        form_class = super().get_form(request, obj, change=change, **kwargs)
        return type("UnitAdminFormFor", (form_class,), {"actor": request.user})

    def save_model(self, request: HttpRequest, obj: Unit, form, change: bool) -> None:  # type: ignore[no-untyped-def]
        unit_save(unit=obj, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: Unit) -> None:
        unit_delete(unit=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        with transaction.atomic():
            for unit in queryset.select_related("type", "parent").order_by("-depth"):
                unit_delete(unit=unit, actor=request.user)

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
            "help_text": _("Chỉ thêm, sửa được đơn vị trong phạm vi bạn quản lý; một dòng ngoài phạm vi thì cả tệp không được lưu."),
        }
        return TemplateResponse(request, "admin/import_upload.html", context)


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "unit", "role"]


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    """Roles at the units where the user is an official (units.access MEMBERSHIPS_WRITE)."""

    scope_action = Action.MEMBERSHIPS_WRITE
    write_action = Action.MEMBERSHIPS_WRITE
    form = MembershipForm
    list_display = ["user", "role", "unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "unit__name", "unit__code"]
    raw_id_fields = ["unit"]
    list_select_related = ["user", "unit"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "user" and not request.user.is_superuser:
            # Only people already in the user's subtree, or in none yet: no list of every province's staff.
            inside = scope(request.user, Action.MEMBERSHIPS_WRITE, Membership.objects.all(), "unit").values("user")
            kwargs["queryset"] = User.objects.filter(Q(pk__in=inside) | Q(memberships__isnull=True), is_superuser=False).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

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
class AuditEntryAdmin(ScopedAdmin):
    """Read-only; each official reads the rows about units of their subtree (superusers: all)."""

    scope_action = Action.AUDIT_READ
    list_display = ["at", "actor", "action", "object_type", "object_repr", "unit"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "actor__username", "object_id"]
    list_select_related = ["actor", "unit"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

from units import admin_auth  # noqa: E402,F401  (Django's user and group pages with permissions in the active language)
