"""Contact outcomes, their AAPOR final disposition codes, and AAPOR's outcome rates.

AAPOR, *Standard Definitions: Final Dispositions of Case Codes and Outcome Rates for Surveys*. Our
sample is a list of named people who completed a procedure (the frame), so each one is eligible
unless an outcome shows otherwise; the mapping and its reasons are in docs/methodology.md.

Groups: I complete, P partial, R refusal, NC non-contact, O other (eligible, no interview),
U unknown eligibility (AAPOR's UH + UO), NE not eligible.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.models import AssignmentStatus, ContactOutcome


class Group(models.TextChoices):
    I = "I", _("Hoàn thành")  # noqa: E741 (AAPOR's letter)
    P = "P", _("Dở dang")
    R = "R", _("Từ chối")
    NC = "NC", _("Không liên hệ được")
    O = "O", _("Khác")  # noqa: E741 (AAPOR's letter)
    U = "U", _("Chưa rõ đủ điều kiện")
    NE = "NE", _("Không thuộc đối tượng")


@dataclass(frozen=True)
class Disposition:
    code: str
    group: str
    status: str
    label: str


def _d(code: str, group: Group, status: AssignmentStatus, label: str) -> Disposition:
    return Disposition(code, str(group), str(status), label)


# AAPOR final disposition codes used here (telephone and in-person tables).
DISPOSITIONS: dict[str, Disposition] = {
    d.code: d
    for d in (
        _d("1.1", Group.I, AssignmentStatus.DONE, _("Hoàn thành phỏng vấn")),
        _d("1.2", Group.P, AssignmentStatus.PARTIAL, _("Phỏng vấn dở dang")),
        _d("2.11", Group.R, AssignmentStatus.REFUSED, _("Từ chối")),
        _d("2.20", Group.NC, AssignmentStatus.UNREACHABLE, _("Không liên hệ được")),
        _d("2.21", Group.NC, AssignmentStatus.UNREACHABLE, _("Đã liên hệ nhưng không gặp lại được để phỏng vấn")),
        _d("2.30", Group.O, AssignmentStatus.OTHER, _("Không phỏng vấn được vì lý do khác")),
        _d("2.33", Group.O, AssignmentStatus.OTHER, _("Rào cản ngôn ngữ")),
        _d("3.11", Group.U, AssignmentStatus.PENDING, _("Chưa liên hệ lần nào")),
        _d("3.90", Group.U, AssignmentStatus.UNKNOWN, _("Không xác định được người được chọn (sai số)")),
        _d("4.70", Group.NE, AssignmentStatus.INELIGIBLE, _("Không thuộc đối tượng khảo sát")),
    )
}

# Outcomes that end a case at once, with the disposition they give it.
FINAL_OUTCOMES: dict[str, str] = {
    ContactOutcome.COMPLETED: "1.1",
    ContactOutcome.PARTIAL: "1.2",
    ContactOutcome.REFUSED: "2.11",
    ContactOutcome.MOVED_AWAY: "2.20",
    ContactOutcome.LANGUAGE: "2.33",
    ContactOutcome.OTHER: "2.30",
    ContactOutcome.WRONG_NUMBER: "3.90",
    ContactOutcome.NOT_ELIGIBLE: "4.70",
}
# Outcomes in which someone answered for the case: the case has been contacted.
CONTACT_OUTCOMES = frozenset(
    {ContactOutcome.APPOINTMENT, ContactOutcome.REFUSED, ContactOutcome.LANGUAGE, ContactOutcome.NOT_ELIGIBLE,
     ContactOutcome.PARTIAL, ContactOutcome.COMPLETED, ContactOutcome.OTHER}
)
# Outcomes a person records on the case page (an interview completes through the response writer).
RECORDABLE_OUTCOMES = [choice for choice in ContactOutcome if choice != ContactOutcome.COMPLETED]

NON_CONTACT = "2.20"
CONTACTED_NEVER_INTERVIEWED = "2.21"
NOT_ATTEMPTED = "3.11"


def exhausted_disposition(*, contacted: bool) -> str:
    """The code of a case closed because its attempts ran out."""
    return CONTACTED_NEVER_INTERVIEWED if contacted else NON_CONTACT


def case_disposition(*, disposition: str, attempt_count: int, contacted: bool) -> str:
    """A case's code: its final code once closed; while open, the interim code it would close with
    now (3.11 not attempted yet, else a non-contact)."""
    if disposition:
        return disposition
    if attempt_count == 0:
        return NOT_ATTEMPTED
    return exhausted_disposition(contacted=contacted)


def disposition_group(code: str) -> str:
    return DISPOSITIONS[code].group


# --- outcome rates --------------------------------------------------------------------------------

GROUPS = ("I", "P", "R", "NC", "O", "U", "NE")


@dataclass
class DispositionCounts:
    """Cases of the released sample by AAPOR group (unreleased reserves are not in the sample)."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GROUPS, 0))

    def add(self, group: str, n: int = 1) -> None:
        self.counts[group] += n

    def merge(self, other: DispositionCounts) -> None:
        for group, n in other.counts.items():
            self.counts[group] += n

    def __getitem__(self, group: str) -> int:
        return self.counts[group]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def eligibility_estimate(counts: DispositionCounts) -> float:
    """e, the share of unknown-eligibility cases taken as eligible: the share eligible among the cases
    whose eligibility is known, (I+P+R+NC+O) / (I+P+R+NC+O+NE), as AAPOR's Outcome Rate Calculator
    does by default; 1 (every unknown eligible, RR3 = RR1) while no case's eligibility is known."""
    eligible = counts["I"] + counts["P"] + counts["R"] + counts["NC"] + counts["O"]
    known = eligible + counts["NE"]
    return eligible / known if known else 1.0


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def aapor_rates(counts: DispositionCounts, *, e: float) -> dict[str, float | None]:
    """RR1, RR3, COOP1, REF1 and CON1 as fractions (None when the denominator is 0)."""
    i, p, r, nc, o, u = (counts[g] for g in ("I", "P", "R", "NC", "O", "U"))
    interviews, non_interviews = i + p, r + nc + o
    return {
        "RR1": _ratio(i, interviews + non_interviews + u),
        "RR3": _ratio(i, interviews + non_interviews + e * u),
        "COOP1": _ratio(i, interviews + r + o),
        "REF1": _ratio(r, interviews + non_interviews + u),
        "CON1": _ratio(interviews + r + o, interviews + r + o + nc + u),
    }
