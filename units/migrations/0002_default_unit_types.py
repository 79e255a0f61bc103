from django.db import migrations

from units.models import DEFAULT_UNIT_TYPES



def add_types(apps, schema_editor):
    UnitType = apps.get_model("units", "UnitType")
    for order, (code, name, name_en) in enumerate(DEFAULT_UNIT_TYPES):
        UnitType.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "order": order})


class Migration(migrations.Migration):
    dependencies = [("units", "0001_initial")]
    operations = [migrations.RunPython(add_types, migrations.RunPython.noop)]
