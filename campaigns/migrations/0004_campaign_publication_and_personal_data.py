"""When a campaign was first published (personal data is purged a set number of days later) and when its
personal data was purged. Published campaigns take the time of their "campaign.publish" audit row, or their
last change; audit rows about campaigns get the organiser (units.AuditEntry.unit)."""

from django.db import migrations, models


def fill(apps, schema_editor):
    Campaign = apps.get_model("campaigns", "Campaign")
    AuditEntry = apps.get_model("units", "AuditEntry")
    published = {}
    for object_id, at in AuditEntry.objects.filter(object_type="campaigns.campaign", action="campaign.publish").order_by("at").values_list("object_id", "at"):
        published.setdefault(object_id, at)
    for campaign in Campaign.objects.filter(status__in=["published", "archived"], published_at__isnull=True):
        Campaign.objects.filter(pk=campaign.pk).update(published_at=published.get(str(campaign.pk), campaign.updated_at))
    organisers = dict(Campaign.objects.values_list("pk", "organiser_id"))
    for entry in AuditEntry.objects.filter(object_type="campaigns.campaign", unit__isnull=True).only("pk", "object_id").iterator():
        if entry.object_id.isdigit() and int(entry.object_id) in organisers:
            AuditEntry.objects.filter(pk=entry.pk).update(unit_id=organisers[int(entry.object_id)])


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0003_campaign_code_unique_any_case"),
        ("units", "0005_audit_entry_unit"),
    ]

    operations = [
        migrations.AddField(
            model_name="campaign",
            name="personal_data_purged_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="đã xoá dữ liệu cá nhân lúc"),
        ),
        migrations.AddField(
            model_name="campaign",
            name="published_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="công bố lúc"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
