"""Issue 18 item 5: what we export is a form ODK Collect opens. ODK Validate (the jar pyxform ships, run on the
machine's Java) checks the XForm of every built-in template's export and of every imported corpus form's
export, as JavaRosa would load it."""

from __future__ import annotations

import io
import shutil

import pytest
from pyxform.xls2xform import convert

from surveys.builtin_forms import TEMPLATES
from surveys.services.questionnaires import questionnaire_load_template
from surveys.tests.test_xlsform_corpus import EXPORTED
from surveys.xlsform import xlsform_import
from surveys.xlsform_export import xlsform_export
from units.access import SYSTEM

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("java") is None, reason="cần Java để chạy ODK Validate (apt-get install default-jre-headless)"),
]


def odk_valid(data: bytes) -> None:
    """Raise (with ODK Validate's words) when JavaRosa would refuse the form."""
    convert(io.BytesIO(data), validate=True, warnings=[], file_type=".xlsx")


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_every_builtin_templates_export_passes_odk_validate(name):
    questionnaire, _created = questionnaire_load_template(name=name, actor=SYSTEM)
    odk_valid(xlsform_export(questionnaire))


@pytest.mark.parametrize("path", EXPORTED, ids=[path.name for path in EXPORTED])
def test_every_imported_corpus_forms_export_passes_odk_validate(path):
    odk_valid(xlsform_export(xlsform_import(str(path), actor=SYSTEM).questionnaire))
