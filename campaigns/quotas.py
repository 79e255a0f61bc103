"""Sample-size helpers: the Yamane formula and the per-unit-type default quotas.

Pure functions (no writes); `campaigns.services.quotas_generate` turns them into `SampleQuota` rows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from django.conf import settings

from units.models import Unit

# Key for a commune-type unit whose name starts with "Phường" (a ward, urban); other keys are unit type codes.
WARD_KEY = "ward"
WARD_PREFIX = "Phường"

# Key for the organiser surveying itself: a unit with nothing below it (a department's own one-stop desk).
ORGANISER_KEY = "organiser"

# Conventions seen in provinces (Bình Dương 2018): 150 forms per commune (xã), 200 per ward (phường).
# An organiser surveying itself gets 100 when its type has no default: Yamane's n at a ±10% margin for any
# frame of a thousand people or more (91–100); one real 2024 department report had 65 forms.
# A deployment overrides them with the CAMPAIGN_QUOTA_DEFAULTS setting; a caller may pass its own dict.
BUILTIN_QUOTA_DEFAULTS: dict[str, int] = {"commune": 150, WARD_KEY: 200, ORGANISER_KEY: 100}


def yamane_size(population: int, margin: float) -> int:
    """Yamane's sample size n = ⌈N / (1 + N·e²)⌉ for a frame of `population` people and margin `margin` (0.05 = 5%)."""
    if population < 0:
        raise ValueError("population must not be negative")
    if not 0 < margin < 1:
        raise ValueError("margin must lie strictly between 0 and 1")
    return math.ceil(population / (1 + population * margin * margin))


def quota_defaults() -> dict[str, int]:
    return dict(getattr(settings, "CAMPAIGN_QUOTA_DEFAULTS", BUILTIN_QUOTA_DEFAULTS))


def default_quota_key(unit: Unit) -> str:
    """The defaults key of a unit: its type code, or "ward" for a commune-type unit named "Phường …"."""
    if unit.type.code == "commune" and unit.name.strip().startswith(WARD_PREFIX):
        return WARD_KEY
    return unit.type.code


def default_quota_for(unit: Unit, defaults: Mapping[str, int] | None = None, *, surveys_itself: bool = False) -> int | None:
    """The default quota of a unit, or None when its type has no default (the unit gets no quota).

    `surveys_itself`: the unit is an organiser with no unit below it, surveying itself; without a default
    for its type it gets the ORGANISER_KEY default (the built-in one when the table has none).
    """
    table = quota_defaults() if defaults is None else defaults
    key = default_quota_key(unit)
    if key == WARD_KEY and key not in table:
        key = unit.type.code
    size = table.get(key)
    if size is None and surveys_itself:
        size = table.get(ORGANISER_KEY, BUILTIN_QUOTA_DEFAULTS[ORGANISER_KEY])
    return size
