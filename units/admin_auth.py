"""Django's own admin of users and groups, with permissions named in the active language.

A permission's name is stored when its model is migrated, in English ("Can add log entry"), and Django shows
it as is in the permission lists of the user and group pages. Here the label is made from the permission's
action and its model's translated name ("Có thể thêm mục nhật ký"); a permission of its own keeps its name.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission, User
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

ACTIONS = {
    "add": gettext_noop("Có thể thêm %(model)s"),
    "change": gettext_noop("Có thể sửa %(model)s"),
    "delete": gettext_noop("Có thể xoá %(model)s"),
    "view": gettext_noop("Có thể xem %(model)s"),
}


def permission_label(permission: Permission) -> str:
    """«Ứng dụng | đối tượng | Có thể thêm đối tượng», translated; a custom permission keeps its own name."""
    model = permission.content_type.model_class()
    action = permission.codename.split("_", 1)[0]
    if model is None:
        return str(permission)
    model_name = str(model._meta.verbose_name)
    app_name = str(model._meta.app_config.verbose_name)
    default = f"{action}_{model._meta.model_name}" == permission.codename and action in ACTIONS
    name = _(ACTIONS[action]) % {"model": model_name} if default else permission.name
    return f"{capfirst(app_name)} | {capfirst(model_name)} | {name}"


class TranslatedPermissions:
    def formfield_for_manytomany(self, db_field: Any, request: Any = None, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and db_field.name in ("permissions", "user_permissions"):
            field.label_from_instance = permission_label
        return field


class HaiLongGroupAdmin(TranslatedPermissions, GroupAdmin):
    pass


class HaiLongUserAdmin(TranslatedPermissions, UserAdmin):
    pass


admin.site.unregister(Group)
admin.site.register(Group, HaiLongGroupAdmin)
admin.site.unregister(User)
admin.site.register(User, HaiLongUserAdmin)
