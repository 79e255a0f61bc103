"""English, the second language (DESIGN §9): chosen with the language cookie, served from locale/en."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from units.django_catalogs import read_po

CATALOG = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


def _entries() -> list[dict]:
    return read_po(CATALOG / "django.po")


def _translations(entry: dict) -> list[str]:
    return [entry[key] for key in entry if key == "msgstr" or key.startswith("msgstr[")]


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_login_page_is_in_english(english, db):
    html = english.get(reverse("login")).content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html
    assert "Portal for surveying the satisfaction of citizens, organisations and patients." in html
    assert "Tiếng Việt" in html  # the switch back
    assert "Đăng nhập" not in html


def test_an_officials_home_is_in_english(english, alice):
    english.force_login(alice)
    html = english.get(reverse("home")).content.decode()
    assert '<html lang="en">' in html
    assert "Survey campaign management" in html
    assert "Role: Survey official" in html
    assert "Set up survey campaigns" in html and "Administration site" in html
    assert "Log out" in html
    assert "Quản lý đợt khảo sát" not in html


def test_the_results_list_is_in_english(english, alice):
    english.force_login(alice)
    html = english.get(reverse("reports:campaign_list")).content.decode()
    assert '<html lang="en">' in html
    assert "Survey campaign results" in html
    assert "There are no survey campaigns within your scope yet." in html


def test_the_language_button_switches_to_english(client, alice):
    client.force_login(alice)
    assert "Quản lý đợt khảo sát" in client.get(reverse("home")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in html
    assert "Survey campaign management" in html


def test_every_message_has_an_english_translation():
    entries = _entries()
    assert len(entries) > 500
    untranslated = [e["msgid"] for e in entries if not all(_translations(e))]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []


def test_translations_keep_their_placeholders():
    wrong = [
        (e["msgid"], text)
        for e in _entries()
        if "python-format" in e["flags"]
        for text in _translations(e)
        if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(e["msgid"]))
    ]
    assert wrong == []


def test_the_compiled_catalog_matches_the_po_file():
    """django.mo is committed (no gettext needed on a fresh machine): it must be compiled from this django.po."""
    with (CATALOG / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in _entries():
        if "msgid_plural" in entry:
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1) == entry["msgstr[0]"]
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 2) == entry["msgstr[1]"]
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]
