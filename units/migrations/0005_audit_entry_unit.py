"""The audit log is read by unit subtree: each row names the unit it concerns.

Existing rows about units and memberships get theirs here (campaigns and surveys fill their own rows in
their migrations); a row whose unit cannot be found keeps none and is read by superusers only.
"""

import django.db.models.deletion
from django.db import migrations, models


def fill_units(apps, schema_editor):
    AuditEntry = apps.get_model("units", "AuditEntry")
    Unit = apps.get_model("units", "Unit")
    by_code = {code.upper(): pk for pk, code in Unit.objects.values_list("pk", "code")}
    known = set(by_code.values())
    for entry in AuditEntry.objects.filter(object_type__in=["units.unit", "units.membership"], unit__isnull=True).iterator():
        unit_id = None
        if entry.object_type == "units.unit" and entry.object_id.isdigit() and int(entry.object_id) in known:
            unit_id = int(entry.object_id)
        elif isinstance(entry.changes, dict) and isinstance(entry.changes.get("unit"), str):
            unit_id = by_code.get(entry.changes["unit"].upper())
        if unit_id is not None:
            AuditEntry.objects.filter(pk=entry.pk).update(unit_id=unit_id)


class Migration(migrations.Migration):

    dependencies = [
        ("units", "0004_unit_code_unique_any_case"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="unit",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="units.unit", verbose_name="đơn vị liên quan"
            ),
        ),
        migrations.RunPython(fill_units, migrations.RunPython.noop),
    ]
