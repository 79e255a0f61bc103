"""The raw export's data-quality columns (issue 15): who interviewed, the respondent's profile as labels, the
flags, the review history in one line and the back-check's result.

Read per chunk of responses, one query per table (flags, kept versions, corrected answers, back-checks,
the users named), by response id range like the answers: no query per row.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from surveys.models import AnswerRevision, BackCheck, FlagKind, ResponseFlag, ResponseStatus, ResponseVersion, RevisionKind
from surveys.quality.backcheck_reads import backcheck_result
from surveys.selectors import AGE_GROUP_CHOICES, SEX_CHOICES

QUALITY_HEADERS = ["Cờ chất lượng", "Lịch sử duyệt", "Kết quả phúc tra"]
SEX_LABELS = dict(SEX_CHOICES)
AGE_LABELS = dict(AGE_GROUP_CHOICES)
FLAG_SEPARATOR = " | "


@dataclass
class ChunkQuality:
    """The quality rows of one chunk of responses, by response id."""

    flags: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    sent_back: Counter[int] = field(default_factory=Counter)
    corrected: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    backchecks: dict[int, str] = field(default_factory=dict)


def chunk_quality(first_id: int, last_id: int) -> ChunkQuality:
    """Flags, kept versions (one per send-back and resubmission), corrected questions and back-check
    results of the responses with ids in [first_id, last_id]: four queries."""
    found = ChunkQuality()
    labels = {value: str(label) for value, label in FlagKind.choices}
    between = {"response_id__gte": first_id, "response_id__lte": last_id}
    for response_id, kind, message in (
        ResponseFlag.objects.filter(**between).order_by("response_id", "kind").values_list("response_id", "kind", "message")
    ):
        found.flags[response_id].append(f"{labels.get(kind, kind)}: {message}")
    found.sent_back.update(ResponseVersion.objects.filter(**between).values_list("response_id", flat=True))
    corrections = AnswerRevision.objects.filter(kind=RevisionKind.CORRECTION, **between).values_list("response_id", "question_id")
    for response_id, question_id in corrections:
        found.corrected[response_id].add(question_id)
    for response_id, status, discrepancy in BackCheck.objects.filter(**between).values_list("response_id", "status", "discrepancy"):
        found.backchecks[response_id] = backcheck_result(status, discrepancy)
    return found


class UserNames:
    """Usernames and full names of the users a chunk names, read once for all chunks (one query per chunk
    that names someone new)."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[str, str]] = {}

    def load(self, ids: Iterable[int | None]) -> None:
        missing = {pk for pk in ids if pk is not None and pk not in self._known}
        if missing:
            for pk, username, first, last in User.objects.filter(pk__in=missing).values_list("pk", "username", "first_name", "last_name"):
                self._known[pk] = (username, f"{first} {last}".strip())

    def username(self, pk: int | None) -> str | None:
        return self._known[pk][0] if pk in self._known else None

    def full_name(self, pk: int | None) -> str | None:
        return (self._known[pk][1] or None) if pk in self._known else None


def history_summary(
    *, version: int, sent_back: int, corrected: int, status: str, reviewer: str | None, reviewed_at: dt.datetime | None
) -> str:
    """One line: "v2; gửi lại 1 lần; sửa 2 câu; duyệt bởi Trần Bình 12/05/2026"."""
    parts = [f"v{version}"]
    if sent_back:
        parts.append(_("gửi lại %(n)d lần") % {"n": sent_back})
    if corrected:
        parts.append(_("sửa %(n)d câu") % {"n": corrected})
    if status == ResponseStatus.APPROVED:
        when = reviewed_at.strftime("%d/%m/%Y") if reviewed_at else ""
        parts.append((_("duyệt bởi %(who)s %(when)s") % {"who": reviewer or "—", "when": when}).strip())
    return "; ".join(parts)
