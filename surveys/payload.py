"""What a JSON submission may hold: the bounds found in one walk (NUL characters, nesting too deep, integers
too large, NaN or infinite numbers; surveys.services.responses.payload_check raises on them) and the
respondent profile (with the respondent's phone and name, kept apart)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from surveys.selectors import AGE_GROUP_CHOICES, SEX_CHOICES
from units.phones import normalise_phone


def payload_problem(payload: Any, *, max_depth: int, max_integer: int) -> tuple[str, str] | None:
    """(where, Vietnamese message) of the first thing a submission may not hold, or None.

    NUL characters (PostgreSQL refuses them in text), nesting deeper than max_depth, integers beyond
    max_integer, and NaN or infinite numbers; keys are checked like values. The path is built only for
    a problem found; a payload of 40 answers costs a few microseconds.
    """
    if isinstance(payload, Mapping | list):
        found = _container_problem(payload, 0, max_depth, max_integer)
        return (".".join(found[0]), found[1]) if found else None
    found = _container_problem([payload], -1, max_depth, max_integer)
    return ("", found[1]) if found else None


def _container_problem(container: Mapping | list, depth: int, max_depth: int, max_integer: int) -> tuple[list[str], str] | None:
    """([keys down to the problem], message) in a dict or list nested `depth` levels down, or None.
    Recursion is bounded by max_depth, checked before each step down."""
    items = container.items() if isinstance(container, Mapping) else enumerate(container)
    for key, item in items:
        if key.__class__ is str and "\x00" in key:
            return [key.replace("\x00", "\\0")], _("Có ký tự NUL (\\0), không được phép.")
        kind = item.__class__
        if kind is str:
            if "\x00" in item:
                return [str(key)], _("Có ký tự NUL (\\0), không được phép.")
        elif kind is int:
            if not -max_integer <= item <= max_integer:
                return [str(key)], _("Số quá lớn.")
        elif kind is float:
            if not math.isfinite(item):
                return [str(key)], _("Số không hợp lệ (NaN hoặc vô cực).")
        elif isinstance(item, Mapping | list):
            if depth + 1 >= max_depth:
                return [str(key)], _("Dữ liệu lồng nhau quá sâu (tối đa %(n)d cấp).") % {"n": max_depth}
            found = _container_problem(item, depth + 1, max_depth, max_integer)
            if found is not None:
                found[0].insert(0, str(key))
                return found
        elif isinstance(item, int) and not isinstance(item, bool) and not -max_integer <= item <= max_integer:
            return [str(key)], _("Số quá lớn.")
    return None


def profile_validate(profile: Any) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The respondent profile (sex, age group), keeping only known keys."""
    if profile in (None, ""):
        return {}, {}
    if not isinstance(profile, Mapping):
        return {}, {"profile": [_("Thông tin người trả lời không hợp lệ.")]}
    clean: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for key, choices, label in (("sex", SEX_CHOICES, _("Giới tính")), ("age_group", AGE_GROUP_CHOICES, _("Nhóm tuổi"))):
        value = profile.get(key)
        if value in (None, ""):
            continue
        if value not in {code for code, _label in choices}:
            errors[f"profile.{key}"] = [_("%(field)s «%(value)s» không hợp lệ.") % {"field": label, "value": value}]
        else:
            clean[key] = str(value)
    return clean, errors


def respondent_keys(profile: Any) -> tuple[str, str, dict[str, list[str]]]:
    """(phone in normal form, name in lower case with single spaces, errors) from the optional profile keys
    `phone` and `name`: what the duplicate-respondent flag compares (personal data, never kept in `profile`)."""
    if not isinstance(profile, Mapping):
        return "", "", {}
    errors: dict[str, list[str]] = {}
    phone = ""
    raw_phone = profile.get("phone")
    if raw_phone not in (None, ""):
        try:
            phone = normalise_phone(raw_phone) if isinstance(raw_phone, str | int) and not isinstance(raw_phone, bool) else ""
        except ValueError:
            phone = ""
        if not phone:
            errors["profile.phone"] = [_("Số điện thoại «%(value)s» không hợp lệ.") % {"value": str(raw_phone)[:40]}]
    raw_name = profile.get("name")
    name = ""
    if raw_name not in (None, ""):
        if not isinstance(raw_name, str) or len(raw_name) > 200:
            errors["profile.name"] = [_("Họ tên người trả lời không hợp lệ (tối đa 200 ký tự).")]
        else:
            name = name_key(raw_name)
    return phone, name, errors


def name_key(full_name: str) -> str:
    """A person's name as compared: lower case, single spaces."""
    return " ".join(full_name.split()).lower()
