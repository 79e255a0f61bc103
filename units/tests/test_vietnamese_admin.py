"""Django's own strings in Vietnamese (issue 17): the admin, form errors and constraint messages come from
Django's and the third-party apps' catalogs, completed by locale/vi (units/django_catalogs.py)."""

import gettext
import json
import re

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import translation

from units.django_catalogs import OUR_CATALOGS, Msgid, po_entry, read_po, untranslated
from units.models import Unit

VI_CATALOG = OUR_CATALOGS / "vi" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sd]|\{\w*\}")


@pytest.fixture
def root(client, make_user):
    user = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_the_default_language_is_vietnamese():
    assert settings.LANGUAGE_CODE == "vi"


def test_an_admin_form_posted_with_an_error_says_so_in_vietnamese(client, root, unit_types):
    html = client.post(reverse("admin:units_unit_add"), {"code": "", "name": ""}).content.decode()
    assert "Vui lòng sửa lỗi dưới đây." in html
    assert "Please correct" not in html
    assert "Trường này là bắt buộc." in html


def test_a_constraint_without_its_own_message_is_violated_in_vietnamese(db, tree):
    constraint = models.CheckConstraint(condition=models.Q(depth__gte=5), name="unit_deep_enough")
    with translation.override(settings.LANGUAGE_CODE), pytest.raises(ValidationError) as refused:
        constraint.validate(Unit, tree["A"])
    assert refused.value.messages == ["Dữ liệu vi phạm ràng buộc “unit_deep_enough”."]


def test_the_changelist_filters_are_vietnamese(client, root, tree):
    html = client.get(reverse("admin:units_unit_changelist")).content.decode()
    assert "Bộ lọc" in html and "Hiện số lượng" in html and " Theo loại " in html
    for english in ("Show counts", "Filter", " By ", "Action:"):
        assert english not in html
    with_counts = client.get(reverse("admin:units_unit_changelist") + "?_facets=True").content.decode()
    assert "Ẩn số lượng" in with_counts and "Hide counts" not in with_counts


def test_a_change_form_saves_in_vietnamese(client, root, tree):
    html = client.get(reverse("admin:units_unit_change", args=[tree["A1"].pk])).content.decode()
    assert 'value="Lưu"' in html and 'value="Lưu và thêm mới"' in html


def test_the_admins_javascript_catalog_is_vietnamese(client, root):
    """The admin's JavaScriptCatalog reads django.contrib.admin's djangojs and then LOCALE_PATHS (ours)."""
    script = client.get(reverse("admin:jsi18n")).content.decode()
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});", script, re.S).group(1))
    assert catalog["Monday"] == "Thứ Hai"  # ours: the installed vi catalog lacks it
    assert catalog["Choose all %s"] == "Chọn tất cả %s"
    assert catalog["Today"] == "Hôm nay"  # the installed vi catalog's, still served


def test_no_string_of_django_or_the_installed_apps_is_left_in_english():
    """Against the installed apps' en catalogs (every msgid): a Django upgrade that adds strings fails here
    with the list; `manage.py vi_catalog --append` adds them to locale/vi for translation (README)."""
    missing = {domain: [m.msgid for m in msgids] for domain, msgids in untranslated("vi").items()}
    assert missing == {}


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_our_vietnamese_entries_are_translated_and_keep_their_placeholders(domain):
    entries = read_po(VI_CATALOG / f"{domain}.po")
    assert entries
    for entry in entries:
        text = entry.get("msgstr", entry.get("msgstr[0]"))
        assert text, entry["msgid"]
        assert "fuzzy" not in entry["flags"], entry["msgid"]
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(entry["msgid"])), entry["msgid"]


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_compiled_vietnamese_catalog_matches_the_po_file(domain):
    with (VI_CATALOG / f"{domain}.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in read_po(VI_CATALOG / f"{domain}.po"):
        context = entry.get("msgctxt")
        if "msgid_plural" in entry:
            found = (
                compiled.npgettext(context, entry["msgid"], entry["msgid_plural"], 2)
                if context
                else compiled.ngettext(entry["msgid"], entry["msgid_plural"], 2)
            )
            assert found == entry["msgstr[0]"], entry["msgid"]
        else:
            found = compiled.pgettext(context, entry["msgid"]) if context else compiled.gettext(entry["msgid"])
            assert found == entry["msgstr"], entry["msgid"]


def test_an_appended_entry_reads_back_as_untranslated(tmp_path):
    msgid = Msgid('Say "hi"\n', "Say hi twice", "greeting")
    path = tmp_path / "django.po"
    path.write_text('msgid ""\nmsgstr ""\n\n' + po_entry(msgid), encoding="utf-8")
    [entry] = read_po(path)
    assert (entry["msgctxt"], entry["msgid"], entry["msgid_plural"], entry["msgstr[0]"]) == ("greeting", 'Say "hi"\n', "Say hi twice", "")
