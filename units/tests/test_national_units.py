from django.core.management import call_command

from units.models import Unit


def test_load_units_gives_34_provinces_and_3321_communes_and_a_rerun_changes_nothing(db):
    call_command("load_units")
    provinces = Unit.objects.filter(type__code="province", parent__isnull=True)
    communes = Unit.objects.filter(type__code="commune")
    assert provinces.count() == 34
    assert communes.count() == 3321
    khanh_hoa = Unit.objects.get(code="56")
    assert khanh_hoa.name == "Khánh Hòa"
    assert Unit.objects.filter(path__startswith=khanh_hoa.path, type__code="commune").count() == 65
    assert Unit.objects.get(code="01").name == "Thành phố Hà Nội"

    call_command("load_units")
    assert provinces.count() == 34
    assert communes.count() == 3321
    assert Unit.objects.count() == 34 + 3321
