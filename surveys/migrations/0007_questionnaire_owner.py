"""A questionnaire belongs to a unit (its owner) and is edited only inside it; others copy it.

Existing questionnaires: all versions of a code get the organiser of the campaigns using them when those
campaigns share one organiser; otherwise (unused, or used by several organisers), and for the built-in
templates (any version made from one), they stay without an owner, as shared templates only superusers
change. Audit rows about questionnaires and responses get
the unit they concern (units.AuditEntry.unit).
"""

from collections import defaultdict

import django.db.models.deletion
from django.db import migrations, models


def assign_owners(apps, schema_editor):
    Questionnaire = apps.get_model("surveys", "Questionnaire")
    CampaignForm = apps.get_model("campaigns", "CampaignForm")
    organisers: dict[str, set[int]] = defaultdict(set)
    for code, organiser_id in CampaignForm.objects.values_list("questionnaire__code", "campaign__organiser_id"):
        organisers[code.upper()].add(organiser_id)
    templates = {code.upper() for code in Questionnaire.objects.exclude(template="").values_list("code", flat=True)}
    for code in {code.upper() for code in Questionnaire.objects.values_list("code", flat=True)} - templates:
        if len(organisers[code]) == 1:
            Questionnaire.objects.filter(code__iexact=code).update(owner_id=next(iter(organisers[code])))


def audit_units(apps, schema_editor):
    AuditEntry = apps.get_model("units", "AuditEntry")
    Questionnaire = apps.get_model("surveys", "Questionnaire")
    Response = apps.get_model("surveys", "Response")
    owners = dict(Questionnaire.objects.filter(owner__isnull=False).values_list("pk", "owner_id"))
    for model, units in (("surveys.questionnaire", owners), ("surveys.response", None)):
        for entry in AuditEntry.objects.filter(object_type=model, unit__isnull=True).only("pk", "object_id").iterator():
            if not entry.object_id.isdigit():
                continue
            unit_id = units.get(int(entry.object_id)) if units is not None else Response.objects.filter(pk=int(entry.object_id)).values_list("unit_id", flat=True).first()
            if unit_id is not None:
                AuditEntry.objects.filter(pk=entry.pk).update(unit_id=unit_id)


class Migration(migrations.Migration):

    dependencies = [
        ("surveys", "0006_questionnaire_version_unique_any_case"),
        ("campaigns", "0003_campaign_code_unique_any_case"),
        ("units", "0005_audit_entry_unit"),
    ]

    operations = [
        migrations.AddField(
            model_name="questionnaire",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                help_text="Cán bộ của đơn vị này (và cấp trên) sửa được phiếu; đơn vị khác sao chép để dùng. Để trống: phiếu mẫu dùng chung, chỉ quản trị hệ thống sửa.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="questionnaires",
                to="units.unit",
                verbose_name="đơn vị sở hữu",
            ),
        ),
        migrations.RunPython(assign_owners, migrations.RunPython.noop),
        migrations.RunPython(audit_units, migrations.RunPython.noop),
    ]
