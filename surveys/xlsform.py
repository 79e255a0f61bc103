"""XLSForm (ODK / KoboToolbox spreadsheet) import and export.

Import reads the file (.xlsx or .xls) as pyxform reads it (surveys.xlsform_read), lets pyxform judge it
(a form it refuses is refused with its reason and a row), then checks it row by row ourselves, so that every
error of ours names its sheet, row and column in Vietnamese (product limits: names, expressions we cannot
evaluate), and builds it from pyxform's `workbook_to_json`, which resolves type aliases, languages and
`or_other`. The result becomes a `QuestionnaireSpec`, saved in one transaction. Types we do not collect
(geopoint, photo, repeat groups and loops, most metadata ...) are skipped with a note naming the row, as
is every column and setting not kept (surveys.xlsform_notes); what is kept, skipped and refused: docs/xlsform.md.
`calculate` and the start, end, today, deviceid and username metadata are kept as computed fields
(surveys.calculations); languages, cascades, defaults, required messages and read-only by surveys.xlsform_keep.

Our own columns (`hl_role`, `hl_type`, `hl_satisfied_levels`, `hl_missing_codes`, `hl_part`, `hl_min`, `hl_max`)
carry what XLSForm has no place for, so that export followed by import gives the same questionnaire;
ODK and Kobo ignore them. A question's role in the indices comes only from `hl_role` (or the older
`hl_counts_in_index`): a list coded 1–5 is not a satisfaction scale because of its codes. The import
lists what counts and what does not, and an official confirms before the questionnaire is used
(surveys.services.roles).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from decimal import InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _
from pyxform import aliases
from pyxform.builder import create_survey_element_from_dict
from pyxform.question_type_dictionary import QUESTION_TYPE_DICT
from pyxform.xls2json import workbook_to_json

from surveys import xlsform_notes as notes
from surveys.calculations import METADATA_KINDS
from surveys.expressions import ExpressionError, parse, referenced_names
from surveys.models import SCALED_TYPES, Questionnaire, QuestionRole, QuestionType
from surveys.services.questionnaires import (
    questionnaire_code_problem,
    questionnaire_create,
    questionnaire_spec_problems,
    questionnaire_version_taken,
)
from surveys.services.roles import role_summary_lines
from surveys.specs import QuestionnaireSpec, QuestionSpec, SectionSpec
from surveys.xlsform_keep import keep_from_xlsform
from surveys.xlsform_languages import form_language
from surveys.xlsform_read import SheetRow, XLSFormBook, pyxform_refusal, read_xlsform
from surveys.xlsform_values import pick_text, read_decimal, read_flag, read_levels, read_parts, read_role, read_version, read_version_text
from units.access import Action, require
from units.codes import code_from_text
from units.models import Unit
from units.services import Actor
from units.spreadsheets import CellError, ImportFailed, cell_text

SURVEY, CHOICES, SETTINGS = "survey", "choices", "settings"
VI_LABEL, EN_LABEL = "Tiếng Việt (vi)", "English (en)"
DEFAULT_SECTION = "chung"
# `begin loop over LIST` repeats its questions once per choice of LIST: read like a repeat.
_CONTROL = re.compile(r"^(begin|end)[ _](group|repeat|loop|lgroup|looped group)(?:\s+(?:over\s+)?\S+)?$", re.IGNORECASE)
_INTEGER = re.compile(r"^-?\d+$")
_OR_OTHER = re.compile(r"selected\(\s*\.\./([A-Za-z_][\w.\-]*)\s*,\s*'other'\s*\)")
_PYXFORM_ROW = re.compile(r"\[row\s*:\s*(\d+)\]")
_SELECT_PREFIXES = sorted(aliases.select, key=len, reverse=True)
# Types that only record facts about the interview (who, when, on which device): never asked.
_METADATA = frozenset(name for name, spec in QUESTION_TYPE_DICT.items() if "control" not in spec and name not in ("calculate", "hidden"))
SINGLE_SELECT_TYPES = frozenset({QuestionType.SINGLE, QuestionType.LIKERT5, QuestionType.LIKERT4, QuestionType.YES_NO})
YES_NAMES, NO_NAMES = frozenset({"yes", "y", "co", "có", "true", "1"}), frozenset({"no", "n", "khong", "không", "false", "0"})


@dataclass
class XLSFormImport:
    questionnaire: Questionnaire
    warnings: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)  # what counts and what does not, to be confirmed


_Row = SheetRow


# ------------------------------------------------------------------------------------------ type rules


def simple_type(xlsform_type: str) -> str | None:
    """Our question type for a non-select XLSForm type, or None when we do not collect it."""
    if xlsform_type.lower() == "calculate":
        return QuestionType.CALCULATE  # computed, never asked (surveys.calculations)
    if xlsform_type.lower() in METADATA_KINDS:
        return QuestionType.META
    spec = QUESTION_TYPE_DICT.get(xlsform_type) or QUESTION_TYPE_DICT.get(xlsform_type.lower())
    if spec is None or xlsform_type in _METADATA:
        return None
    tag, bind = spec.get("control", {}).get("tag"), spec.get("bind", {})
    if tag == "range" or (tag == "input" and bind.get("type") in ("int", "decimal")):
        return QuestionType.NUMBER
    if tag == "input" and bind.get("type") == "date":
        return QuestionType.DATE
    if tag == "input" and bind.get("type") == "string":
        return QuestionType.NOTE if bind.get("readonly") == "true()" else QuestionType.TEXT
    return None


def classify(type_text: str) -> tuple[str, str]:
    """(kind, detail) of a survey row's type: kind is begin_group, end_group, begin_repeat, end_repeat,
    select (detail: list name), simple (detail: our type), unsupported (detail: the type), unknown or missing_list."""
    text = " ".join(type_text.split())
    control = _CONTROL.match(text)
    if control:
        return f"{control.group(1).lower()}_{'group' if control.group(2).lower() == 'group' else 'repeat'}", ""
    lowered = text.lower()
    for prefix in _SELECT_PREFIXES:
        if lowered == prefix or lowered.startswith(prefix + " "):
            rest = re.sub(r"\s+(or_other|or specify other)$", "", text[len(prefix) :].strip(), flags=re.IGNORECASE)
            target = aliases.select[prefix]
            if prefix in aliases.select_from_file or target not in ("select one", "select all that apply"):
                return "unsupported", prefix
            return ("select", rest.split()[0]) if rest else ("missing_list", prefix)
    if text in QUESTION_TYPE_DICT or lowered in QUESTION_TYPE_DICT or text in aliases._type_alias_map:
        ours = simple_type(text)
        return ("simple", ours) if ours else ("unsupported", text)
    return "unknown", text


def _skip_reason(xlsform_type: str) -> str:
    if xlsform_type in _METADATA:
        return _("trường siêu dữ liệu (hệ thống tự ghi thời điểm, người nhập)")
    if xlsform_type in ("calculate", "hidden"):
        return _("trường tính toán, không hỏi người trả lời")
    return _("hệ thống chỉ thu thập câu hỏi chọn, số, văn bản, ngày và ghi chú")


# ------------------------------------------------------------------------------------------ reading


def _read_bytes(source: str | Path | IO[bytes]) -> tuple[bytes, str]:
    if hasattr(source, "read"):
        data = source.read()  # type: ignore[union-attr]
        return data, Path(getattr(source, "name", "") or "").stem
    path = Path(source)
    try:
        return path.read_bytes(), path.stem
    except OSError:
        raise ImportFailed([CellError("", None, None, _("Không mở được tệp «%(path)s».") % {"path": source})]) from None


def _sheet_rows(book: XLSFormBook, wanted: str) -> tuple[str, list[str], list[_Row]] | None:
    sheet = book.sheets.get(wanted)
    return (sheet.title, sheet.header, sheet.rows) if sheet is not None else None


def _column(header: list[str], *names: str) -> str | None:
    return next((name for name in names if name in header), None)


def _check_choices(sheet: tuple[str, list[str], list[_Row]] | None, errors: list[CellError], *, allow_duplicates: bool = False) -> dict[str, int]:
    """Number of choices per list name; errors for rows without a name and duplicate names."""
    if sheet is None:
        return {}
    title, header, rows = sheet
    if not rows:
        return {}  # an empty optional sheet
    list_column, name_column = _column(header, "list_name", "list name"), _column(header, "name", "value")
    if list_column is None or name_column is None:
        errors.append(CellError(title, 1, None, _("Trang tính «choices» cần hai cột «list_name» và «name».")))
        return {}
    counts: dict[str, int] = {}
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        list_name, name = cell_text(row.values.get(list_column)), cell_text(row.values.get(name_column))
        if not list_name:
            continue
        if not name:
            errors.append(CellError(title, row.number, name_column, _("Lựa chọn của danh sách «%(list)s» thiếu tên.") % {"list": list_name}))
            continue
        if (list_name, name) in seen and not allow_duplicates:  # the settings' allow_choice_duplicates
            errors.append(
                CellError(
                    title,
                    row.number,
                    name_column,
                    _("Lựa chọn «%(name)s» bị trùng trong danh sách «%(list)s» (đã có ở dòng %(row)d).")
                    % {"name": name, "list": list_name, "row": seen[(list_name, name)]},
                )
            )
        seen[(list_name, name)] = row.number
        counts[list_name] = counts.get(list_name, 0) + 1
    return counts


@dataclass
class _Scan:
    """What the row-by-row pass learnt: rows by name, skipped names with their reasons, warnings."""

    rows: dict[str, _Row] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    skipped_rows: list[tuple[int, str, str]] = field(default_factory=list)  # (row, name, type) of every field not taken


def _scan_survey(title: str, rows: list[_Row], list_sizes: dict[str, int], errors: list[CellError], *, pyxform_accepts: bool = True) -> _Scan:
    scan = _Scan()
    stack: list[tuple[str, str, int]] = []  # (kind, name, row)
    repeat: tuple[int, int, str, str, list[tuple[int, str]]] | None = None  # the outermost repeat open: its note's place, row, name, type, fields
    for row in rows:
        type_text, name = cell_text(row.values.get("type")), cell_text(row.values.get("name"))
        if aliases.yes_no.get(cell_text(row.values.get("disabled")), False):
            scan.warnings.append(notes.disabled_row(row.number, name or type_text))
            continue  # pyxform leaves such rows out of the form
        if not type_text:
            if name:
                errors.append(CellError(title, row.number, "type", _("Dòng có tên «%(name)s» nhưng thiếu loại câu hỏi.") % {"name": name}))
            continue
        kind, detail = classify(type_text)
        in_repeat = any(level[0] == "repeat" for level in stack)
        if not name and kind == "simple" and detail == QuestionType.NOTE:
            name = notes.note_name(row)  # pyxform's own name for a note without one
        if kind == "unknown" and pyxform_accepts:  # pyxform knows it (e.g. osm), we do not collect it
            kind, detail = "unsupported", type_text
        elif kind == "unknown":
            errors.append(CellError(title, row.number, "type", _("Loại câu hỏi «%(type)s» không tồn tại trong chuẩn XLSForm.") % {"type": type_text}))
        if kind in ("end_group", "end_repeat"):
            if not stack or stack[-1][0] != kind[4:]:
                errors.append(CellError(title, row.number, "type", _("«%(type)s» không khớp với nhóm nào đang mở.") % {"type": type_text}))
            else:
                stack.pop()
            if kind == "end_repeat" and repeat is not None and not any(level[0] == "repeat" for level in stack):
                scan.warnings[repeat[0]] = notes.repeat_skipped(*repeat[1:])
                repeat = None
            continue
        if kind == "missing_list":
            errors.append(CellError(title, row.number, "type", _("Câu hỏi chọn «%(type)s» thiếu tên danh sách lựa chọn.") % {"type": type_text}))
        elif kind == "select" and not list_sizes.get(detail) and not in_repeat:
            errors.append(
                CellError(title, row.number, "type", _("Danh sách lựa chọn «%(list)s» không có lựa chọn nào trong trang tính «choices».") % {"list": detail})
            )
        skipped_here = in_repeat or kind in ("begin_repeat", "unsupported")
        if not name:
            errors.append(CellError(title, row.number, "name", _("Thiếu tên (name) của câu hỏi hoặc nhóm.")))
        elif name in scan.rows and not skipped_here and name not in scan.skipped:
            errors.append(CellError(title, row.number, "name", notes.duplicate_name(name, scan.rows[name].number)))
        elif name not in scan.rows or not skipped_here:
            scan.rows[name] = row  # a name used in a skipped part and again outside it: the kept one counts
            scan.skipped.pop(name, None)
        if name and not skipped_here and (problem := notes.name_problem(name)):
            errors.append(CellError(title, row.number, "name", problem))
        if kind in ("begin_group", "begin_repeat"):
            stack.append((kind[6:], name, row.number))
            if kind == "begin_repeat" and not in_repeat:
                repeat = (len(scan.warnings), row.number, name, type_text, [])
                scan.warnings.append("")  # written below, with the fields inside
        if name and scan.rows.get(name) is not row and name not in scan.skipped:
            pass  # the same name is kept elsewhere: this skipped row does not hide it
        elif name and in_repeat:
            scan.skipped.setdefault(name, _("nằm trong nhóm lặp"))
        elif name and kind == "begin_repeat":
            scan.skipped.setdefault(name, _("nhóm lặp"))
        elif name and kind == "unsupported":
            scan.skipped.setdefault(name, _("loại «%(type)s»: %(reason)s") % {"type": type_text, "reason": _skip_reason(detail)})
        if name and in_repeat:
            scan.skipped_rows.append((row.number, name, type_text))
            repeat[4].append((row.number, name))
        elif name and kind == "begin_repeat":
            scan.skipped_rows.append((row.number, name, type_text))
        elif name and kind == "unsupported":
            reason = _skip_reason(detail)
            scan.skipped_rows.append((row.number, name, type_text))
            scan.warnings.append(_("Dòng %(row)d: bỏ qua «%(name)s» loại «%(type)s»: %(reason)s.") % {"row": row.number, "name": name, "type": type_text, "reason": reason})
    for kind, name, number in stack:
        errors.append(CellError(title, number, "type", _("Nhóm «%(name)s» mở ở đây nhưng không có dòng kết thúc (end %(kind)s).") % {"name": name, "kind": kind}))
    _check_expressions(title, rows, scan, errors)
    return scan


def _skip_calculations_we_cannot_evaluate(scan: _Scan) -> None:
    """A calculated field whose expression we cannot evaluate (pulldata(), random(), a syntax error) is skipped
    with a note, like any field we cannot collect; an expression that reads it is then refused with its row."""
    for name, row in scan.rows.items():
        if name in scan.skipped or cell_text(row.values.get("type")).strip().lower() != "calculate":
            continue
        try:
            parse(cell_text(row.values.get("calculation")))
        except ExpressionError as error:
            reason = _("trường tính toán có biểu thức hệ thống không tính được (%(error)s)") % {"error": str(error).rstrip(".")}
            scan.skipped[name] = reason
            scan.skipped_rows.append((row.number, name, "calculate"))
            scan.warnings.append(_("Dòng %(row)d: bỏ qua «%(name)s»: %(reason)s.") % {"row": row.number, "name": name, "reason": reason})


def _check_expressions(title: str, rows: list[_Row], scan: _Scan, errors: list[CellError]) -> None:
    _skip_calculations_we_cannot_evaluate(scan)
    for name, row in scan.rows.items():
        if name in scan.skipped:
            continue
        for column in ("relevant", "relevance", "constraint", "calculation"):
            text = cell_text(row.values.get(column))
            try:
                names = referenced_names(parse(text))
            except ExpressionError as error:
                errors.append(CellError(title, row.number, column, str(error)))
                continue
            for missing in sorted(names):
                if missing not in scan.rows:
                    errors.append(CellError(title, row.number, column, _("Biểu thức tham chiếu đến «${%(name)s}» nhưng trang tính «survey» không có trường nào tên «%(name)s».") % {"name": missing}))
                elif missing in scan.skipped:
                    errors.append(
                        CellError(title, row.number, column, _("Biểu thức tham chiếu đến «${%(name)s}», trường này bị bỏ qua khi nhập (%(reason)s).") % {"name": missing, "reason": scan.skipped[missing]})
                    )


# ------------------------------------------------------------------------------------------ building


def _choices(node: dict[str, Any]) -> list[dict[str, Any]]:
    raw = node.get("choices") or []
    names = [cell_text(choice.get("name")) for choice in raw]
    numeric = all(_INTEGER.match(name) for name in names)
    choices = []
    for position, (choice, name) in enumerate(zip(raw, names, strict=True), start=1):
        label, label_en = pick_text(choice.get("label"))
        choices.append({"value": int(name) if numeric else position, "name": name, "label": label or name, "label_en": label_en})
    return choices


def _is_yes_no(choices: list[dict[str, Any]]) -> bool:
    if len(choices) != 2:
        return False
    words = [{str(c["name"]).strip().lower(), str(c["label"]).strip().lower()} for c in choices]
    return bool(words[0] & YES_NAMES) and bool(words[1] & NO_NAMES)


def _select_question(spec: QuestionSpec, node: dict[str, Any], extra: dict[str, Any]) -> None:
    """Decide single / likert5 / likert4 / yes_no / multi and the levels of a select question."""
    spec.choices = _choices(node)
    spec.choice_list = cell_text(node.get("list_name") or node.get("itemset"))  # over 60: refused by the spec's checks
    if node["type"] == "select all that apply":
        spec.type = QuestionType.MULTI
        return
    tokens = spec.appearance.split()
    values = [choice["value"] for choice in spec.choices]
    missing = extra["missing"] if extra["missing"] is not None else []
    scale = [value for value in values if value not in missing]
    if "likert" in tokens and len(scale) not in (4, 5) and {1, 2, 3, 4, 5} <= set(scale) and extra["missing"] is None:
        missing = [value for value in scale if value not in (1, 2, 3, 4, 5)]  # e.g. 9 "không biết"
        scale = [1, 2, 3, 4, 5]
    if extra["type"] in SINGLE_SELECT_TYPES:
        spec.type = extra["type"]
    elif "likert" in tokens and len(scale) in (4, 5):
        spec.type = QuestionType.LIKERT5 if len(scale) == 5 else QuestionType.LIKERT4
    elif _is_yes_no(spec.choices):
        spec.type = QuestionType.YES_NO
    spec.missing_codes = missing
    if spec.type in SCALED_TYPES:
        spec.appearance = " ".join(token for token in tokens if token != "likert")
        spec.satisfied_levels = extra["satisfied"] if extra["satisfied"] is not None else scale[-2:]
    else:
        spec.satisfied_levels = extra["satisfied"] or []


def number_type_by_bounds(spec: QuestionSpec) -> str:
    """integer or decimal, from a number question's bounds: what a question without an XLSForm type exports as."""
    whole = all(value is None or value == value.to_integral() for value in (spec.min_value, spec.max_value))
    return "integer" if whole else "decimal"


def _question(node: dict[str, Any], row: _Row | None, title: str, errors: list[CellError]) -> QuestionSpec:
    bind, control = node.get("bind") or {}, node.get("control") or {}
    text, text_en = pick_text(node.get("label"))
    hint, _hint_en = pick_text(node.get("hint"))
    message, _message_en = pick_text(bind.get("jr:constraintMsg"))
    required = bind.get("required")
    spec = QuestionSpec(
        code=node["name"],
        text=text or node["name"],
        text_en=text_en,
        hint=hint,
        type=QuestionType.SINGLE,
        required=aliases.yes_no.get(str(required).strip(), False) if required else False,
        relevant=_OR_OTHER.sub(r"selected(${\1}, 'other')", bind.get("relevant", "")),
        constraint=bind.get("constraint", ""),
        constraint_message=message,
        appearance=str(control.get("appearance", "")),
    )
    values = row.values if row else {}
    extra: dict[str, Any] = {}
    for key, column, reader in (
        ("type", "hl_type", cell_text),
        ("satisfied", "hl_satisfied_levels", read_levels),
        ("missing", "hl_missing_codes", read_levels),
        ("role", "hl_role", read_role),
        ("counts", "hl_counts_in_index", read_flag),
        ("min", "hl_min", read_decimal),
        ("max", "hl_max", read_decimal),
    ):
        try:
            extra[key] = reader(values.get(column))
        except (ValueError, InvalidOperation):
            message = _("Giá trị «%(value)s» không hợp lệ.") % {"value": values.get(column)}
            if key == "role":
                message += " " + _("Vai trò dùng một trong: %(roles)s.") % {"roles": ", ".join(QuestionRole.values)}
            errors.append(CellError(title, row.number if row else None, column, message))
            extra[key] = None
    if node["type"] in ("select one", "select all that apply"):
        _select_question(spec, node, extra)
    else:
        spec.type = simple_type(node["type"]) or QuestionType.TEXT
        if spec.type == QuestionType.CALCULATE:
            spec.calculation = str(bind.get("calculate", ""))
        elif spec.type == QuestionType.META:
            spec.calculation = node["type"].lower()
        parameters = node.get("parameters") or {}
        if node["type"] == "range":
            extra["min"] = extra["min"] if extra["min"] is not None else read_decimal(parameters.get("start"))
            extra["max"] = extra["max"] if extra["max"] is not None else read_decimal(parameters.get("end"))
        spec.min_value, spec.max_value = extra["min"], extra["max"]
        # Kept where the bounds would not tell it: a decimal with whole bounds, a range and its parameters.
        if spec.type == QuestionType.NUMBER and node["type"] in ("integer", "decimal", "range") and node["type"] != number_type_by_bounds(spec):
            spec.xlsform_type = node["type"]
            spec.parameters = cell_text(values.get("parameters")) if node["type"] == "range" else ""
            if len(spec.parameters) > 255:  # the column's size: refused, not cut
                errors.append(CellError(title, row.number if row else None, "parameters", _("Quá dài: tối đa %(n)d ký tự.") % {"n": 255}))
    if extra["role"] is not None:
        spec.role = extra["role"]
    elif extra["counts"]:  # files exported before hl_role
        spec.role = QuestionRole.INDEX
    return spec


class _SectionBuilder:
    """Groups become sections; questions outside any group go in a default section."""

    def __init__(self, used_names: set[str]) -> None:
        self.sections: list[SectionSpec] = []
        self.used = set(used_names)

    def unique(self, base: str) -> str:
        code, n = base, 2
        while code in self.used:
            code, n = f"{base}_{n}", n + 1
        self.used.add(code)
        return code

    def open(self, code: str, title: str, title_en: str, relevant: str) -> SectionSpec:
        section = SectionSpec(code=code, title=title, title_en=title_en, relevant=relevant)
        self.sections.append(section)
        return section


def _join(first: str, second: str) -> str:
    return f"({first}) and ({second})" if first and second else first or second


def _build_sections(children: list[dict[str, Any]], scan: _Scan, title: str, errors: list[CellError]) -> list[SectionSpec]:
    builder = _SectionBuilder(set(scan.rows))

    def walk(nodes: list[dict[str, Any]], section: SectionSpec | None, relevant: str, parent: dict[str, Any] | None) -> None:
        current = section
        for node in nodes:
            name = node.get("name", "")
            if name in scan.skipped or node.get("type") == "repeat":
                continue
            if node.get("type") == "group":
                if node.get("control", {}).get("bodyless"):
                    continue  # pyxform's own "meta" group
                label, label_en = pick_text(node.get("label"))
                combined = _join(relevant, (node.get("bind") or {}).get("relevant", ""))
                builder.used.add(name)
                opened = builder.open(name, label or name, label_en, combined)
                group_row = scan.rows.get(name)
                opened.part = cell_text(group_row.values.get("hl_part")) if group_row else ""
                walk(node.get("children", []), opened, combined, node)
                current = None  # questions after a nested group start a new section
                continue
            if current is None:
                if parent is None:
                    current = builder.open(builder.unique(DEFAULT_SECTION), _("Thông tin chung"), "General", relevant)
                else:
                    label, label_en = pick_text(parent.get("label"))
                    current = builder.open(builder.unique(parent["name"]), label or parent["name"], label_en, relevant)
            current.questions.append(_question(node, scan.rows.get(name), title, errors))

    walk(children, None, "", None)
    return [section for section in builder.sections if section.questions]


def _settings(book: XLSFormBook) -> dict[str, Any]:
    sheet = _sheet_rows(book, SETTINGS)
    if sheet is None or not sheet[2] or sheet[2][0].number != 2:
        return {}
    return sheet[2][0].values


def _pyxform_json(book: XLSFormBook) -> dict[str, Any]:
    """pyxform's reading of the form; a form pyxform refuses is refused with its reason and row."""
    try:
        form = workbook_to_json(copy.deepcopy(book.definition), form_name="data", warnings=[])
        create_survey_element_from_dict(copy.deepcopy(form)).to_xml(validate=False, warnings=[])  # references, includes, ...
        return form
    except Exception as error:  # pyxform raises PyXFormError and, on odd input, plain Python errors
        raise pyxform_refusal(error, book.sheets) from None


def _default_section_titles(spec: QuestionnaireSpec) -> None:
    """The section made for questions outside any group is titled in the form's language: "General" in an
    English form; its English title only where the form has English texts (else the export would add a language)."""
    defaults = [s for s in spec.sections if s.title == _("Thông tin chung") and s.title_en == "General"]
    english = any(
        (s.title_en and s not in defaults) or any(q.text_en or any(c.get("label_en") for c in q.choices) for q in s.questions) for s in spec.sections
    )
    for section in defaults:
        if spec.language == "en":
            section.title, section.title_en = "General", ""
        elif not english:
            section.title_en = ""


def questionnaire_code(raw: str) -> str:
    """A questionnaire's code from a form_id (or the code given, or the file's name) exactly as written, case
    included: people refer to a form by the form_id they wrote. Only what a code cannot hold changes:
    Vietnamese letters lose their marks ("Một cửa" → "Mot-cua"), other runs of characters become "-"."""
    return code_from_text(raw, fallback="xlsform")


def xlsform_spec(source: str | Path | IO[bytes], code: str | None = None) -> tuple[QuestionnaireSpec, list[str]]:
    """Read and check an XLSForm; return the spec and the warnings. Raises ImportFailed with every error."""
    data, stem = _read_bytes(source)
    book = read_xlsform(data)
    try:
        form, refusal = _pyxform_json(book), None
    except ImportFailed as failure:  # told after our own errors, which name the cell in Vietnamese
        form, refusal = {}, failure
    errors: list[CellError] = []
    survey = _sheet_rows(book, SURVEY)
    if survey is None:
        raise ImportFailed([CellError(SURVEY, None, None, _("Thiếu trang tính «survey»: tệp không phải là một XLSForm.")), *(refusal.errors if refusal else [])])
    title, header, rows = survey
    missing = [column for column in ("type", "name") if column not in header]
    if missing:
        raise ImportFailed([CellError(title, 1, column, _("Thiếu cột bắt buộc «%(column)s».") % {"column": column}) for column in missing])
    settings = _settings(book)
    allow_duplicates = aliases.yes_no.get(cell_text(settings.get("allow_choice_duplicates")), False)
    list_sizes = _check_choices(_sheet_rows(book, CHOICES), errors, allow_duplicates=allow_duplicates)
    scan = _scan_survey(title, rows, list_sizes, errors, pyxform_accepts=refusal is None)
    if errors or refusal:
        raise ImportFailed(errors + (refusal.errors if refusal else []))
    sections = _build_sections(form.get("children", []), scan, title, errors)
    if not any(question.type not in (QuestionType.CALCULATE, QuestionType.META) for section in sections for question in section.questions):
        # computed fields alone (metadata, calculations) ask nobody anything: named with what was skipped
        computed = [(scan.rows[q.code].number, q.code, q.type if q.type == QuestionType.CALCULATE else q.calculation)
                    for section in sections for q in section.questions if q.code in scan.rows]
        raise ImportFailed([CellError(title, None, None, notes.nothing_collected(sorted(scan.skipped_rows + computed)))])
    scan.warnings += notes.empty_groups({k: v for k, v in scan.rows.items() if k not in scan.skipped}, {s.code for s in sections})
    scan.warnings += notes.import_losses(book.sheets, scan.skipped_rows, settings)
    # A form_id longer than a code is refused; a code made from the file's name is only shortened.
    raw_code = code or cell_text(settings.get("form_id")) or questionnaire_code(stem)[:60] or "xlsform"
    form_title = cell_text(settings.get("form_title")) or stem or raw_code
    spec = QuestionnaireSpec(
        code=questionnaire_code(raw_code),
        title=form_title,
        version=read_version(settings.get("version"), scan.warnings),
        version_text=read_version_text(settings.get("version")),
        sections=sections,
        language=form_language(header, cell_text(settings.get("default_language"))),
        parts=read_parts(settings.get("hl_parts"), errors),
        roles_confirmed=False,  # the file's roles are confirmed by an official before use
    )
    keep_from_xlsform(spec, form, settings, scan.rows, scan.warnings)
    _default_section_titles(spec)
    scan.warnings += notes.unkept_references(spec, scan.rows)
    for problem in questionnaire_spec_problems(spec):
        row = scan.rows.get(problem.code)
        errors.append(CellError(title if problem.code else SETTINGS, row.number if row else None, problem.column, problem.message))
    if errors:
        raise ImportFailed(errors)
    return spec, scan.warnings


def xlsform_import(source: str | Path | IO[bytes], code: str | None = None, *, actor: Actor, owner: Unit | None = None) -> XLSFormImport:
    """Import an XLSForm as a new draft questionnaire owned by `owner` (next free version when the version is taken).

    The actor must be an official of `owner` (None, a shared template: superusers). Raises ImportFailed
    (sheet, row, column, Vietnamese message), also when the form_id is another unit's code; nothing is saved then.
    """
    require(actor, Action.QUESTIONNAIRE_WRITE, owner)
    spec, warnings = xlsform_spec(source, code)
    if problem := questionnaire_code_problem(code=spec.code, owner=owner):
        raise ImportFailed([CellError(SETTINGS, None, "form_id", problem)])
    taken = questionnaire_version_taken(code=spec.code, version=spec.version)
    questionnaire = questionnaire_create(spec=spec, actor=actor, owner=owner, action="questionnaire.import_xlsform")
    if taken:
        warnings.append(_("Phiếu «%(code)s» phiên bản %(old)d đã có; đã lưu thành phiên bản %(new)d.") % {"code": spec.code, "old": spec.version, "new": questionnaire.version})
    return XLSFormImport(questionnaire=questionnaire, warnings=warnings, roles=role_summary_lines(spec))
