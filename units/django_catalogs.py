"""Django's and the third-party apps' own strings in Vietnamese: which of them no catalog translates.

Our msgids are Vietnamese, but the admin, form errors and constraint messages come from Django,
django-axes and django-otp, whose `vi` catalogs are incomplete ("Please correct the error below.",
"Show counts"). locale/vi/LC_MESSAGES/django.po and djangojs.po (LOCALE_PATHS, read after the apps'
catalogs) fill the gaps. The reference is each app's en catalog (it lists every msgid); an app that
ships none (axes, django_otp) is read from all the catalogs it ships. `manage.py vi_catalog` lists
what is missing and appends it to our .po files for translation.
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation.trans_real import DjangoTranslation

# (package, domain): the installed apps that have msgids (messages, staticfiles and crispy have none).
REFERENCE = [
    ("django.conf", "django"),
    ("django.contrib.admin", "django"),
    ("django.contrib.admin", "djangojs"),
    ("django.contrib.auth", "django"),
    ("django.contrib.contenttypes", "django"),
    ("django.contrib.sessions", "django"),
    ("django.contrib.humanize", "django"),
    ("axes", "django"),
    ("django_otp", "django"),
]
OUR_CATALOGS = Path(settings.BASE_DIR) / "locale"


@dataclass(frozen=True)
class Msgid:
    msgid: str
    plural: str = ""
    context: str = ""

    @property
    def key(self) -> str:
        return f"{self.context}\x04{self.msgid}" if self.context else self.msgid


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file, header and obsolete entries left out: msgid, msgid_plural,
    msgctxt, msgstr / msgstr[n] and flags."""
    entries, entry, key = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        entry = entry if entry is not None else {"flags": set()}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _space, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return [e for e in entries if e["msgid"]]


def _locale_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    return Path(spec.submodule_search_locations[0]) / "locale"


def reference_msgids(package: str, domain: str) -> set[Msgid]:
    locale_dir = _locale_dir(package)
    english = locale_dir / "en" / "LC_MESSAGES" / f"{domain}.po"
    sources = [english] if english.exists() else sorted(locale_dir.glob(f"*/LC_MESSAGES/{domain}.po"))
    return {Msgid(e["msgid"], e.get("msgid_plural", ""), e.get("msgctxt", "")) for path in sources for e in read_po(path)}


def _runtime_catalog(language: str, package: str, domain: str) -> DjangoTranslation:
    """The catalog Django serves: for "django" every app plus LOCALE_PATHS; for "djangojs" the package's
    own (as JavaScriptCatalog reads it) plus LOCALE_PATHS."""
    if domain == "django":
        return DjangoTranslation(language)
    return DjangoTranslation(language, domain=domain, localedirs=[str(_locale_dir(package))])


def untranslated(language: str = "vi") -> dict[str, list[Msgid]]:
    """Per domain, the reference msgids that the served catalog of `language` does not translate."""
    missing: dict[str, set[Msgid]] = {}
    for package, domain in REFERENCE:
        catalog = _runtime_catalog(language, package, domain)._catalog
        for msgid in reference_msgids(package, domain):
            key = (msgid.key, 0) if msgid.plural else msgid.key
            if key not in catalog:
                missing.setdefault(domain, set()).add(msgid)
    return {domain: sorted(ids, key=lambda m: (m.msgid, m.context)) for domain, ids in missing.items()}


def _quoted(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def po_entry(msgid: Msgid) -> str:
    """An untranslated entry for our .po file, to be translated before compilemessages."""
    lines = [f"msgctxt {_quoted(msgid.context)}"] if msgid.context else []
    lines.append(f"msgid {_quoted(msgid.msgid)}")
    if msgid.plural:
        lines += [f"msgid_plural {_quoted(msgid.plural)}", 'msgstr[0] ""']
    else:
        lines.append('msgstr ""')
    return "\n".join(lines) + "\n"
