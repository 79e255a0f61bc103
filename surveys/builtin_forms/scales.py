"""The answer lists of the built-in templates, each with the levels that count as satisfied and its missing codes.

Two missing codes, the same in every template: 9 «Không biết / không trả lời» and 0 «Không sử dụng» (a
service the respondent did not use). Both are left out of numerator and denominator (surveys/rules.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from surveys.models import QuestionType

DONT_KNOW = 9  # "Không biết / không trả lời"
NOT_USED = 0  # "Không sử dụng": the respondent did not use this service


@dataclass(frozen=True)
class Scale:
    """A choice list: its name, its (value, label, English label) options, and how its answers count."""

    name: str
    options: tuple[tuple[int, str, str], ...]
    type: str = QuestionType.SINGLE
    satisfied: tuple[int, ...] = ()
    missing: tuple[int, ...] = ()

    def with_not_used(self) -> Scale:
        """The same list with «Không sử dụng» last, as a missing code."""
        return replace(
            self,
            name=f"{self.name}_ksd",
            options=(*self.options, (NOT_USED, "Không sử dụng", "Not used")),
            missing=(*self.missing, NOT_USED),
        )

    def choices(self) -> list[dict[str, object]]:
        return [{"value": value, "name": str(value), "label": label, "label_en": label_en} for value, label, label_en in self.options]


SATISFACTION_5 = Scale(
    "hai_long_5",
    (
        (1, "Rất không hài lòng", "Very dissatisfied"),
        (2, "Không hài lòng", "Dissatisfied"),
        (3, "Bình thường", "Neutral"),
        (4, "Hài lòng", "Satisfied"),
        (5, "Rất hài lòng", "Very satisfied"),
    ),
    type=QuestionType.LIKERT5,
    satisfied=(4, 5),
)
SATISFACTION_5_DK = replace(
    SATISFACTION_5,
    name="hai_long_5_kb",
    options=(*SATISFACTION_5.options, (DONT_KNOW, "Không biết / không trả lời", "Don't know / no answer")),
    missing=(DONT_KNOW,),
)
HEALTH_5 = Scale(
    "muc_do_yte_5",
    (
        (1, "Rất không hài lòng / Rất kém", "Very dissatisfied / very poor"),
        (2, "Không hài lòng / Kém", "Dissatisfied / poor"),
        (3, "Bình thường / Trung bình", "Neutral / average"),
        (4, "Hài lòng / Tốt", "Satisfied / good"),
        (5, "Rất hài lòng / Rất tốt", "Very satisfied / very good"),
    ),
    type=QuestionType.LIKERT5,
    satisfied=(4, 5),
)
# Wishes for the coming years: outside every figure; a Likert scale must still name its upper levels.
EXPECTATION_4 = Scale(
    "mong_muon_4",
    (
        (1, "Không mong muốn", "Not wanted"),
        (2, "Ít mong muốn", "Slightly wanted"),
        (3, "Mong muốn", "Wanted"),
        (4, "Rất mong muốn", "Strongly wanted"),
    ),
    type=QuestionType.LIKERT4,
    satisfied=(3, 4),
)
YES_NO = Scale("co_khong", ((1, "Có", "Yes"), (2, "Không", "No")), type=QuestionType.YES_NO)
# A practice done ("Có") is the good answer; "Không nhớ" is missing.
PRACTICE_DONE = Scale(
    "co_khong_kn",
    ((1, "Có", "Yes"), (2, "Không", "No"), (DONT_KNOW, "Không nhớ / không biết", "Don't remember / don't know")),
    satisfied=(1,),
    missing=(DONT_KNOW,),
)
COST_VS_QUALITY = Scale(
    "chi_phi",
    (
        (1, "Rất đắt, không xứng với chất lượng", "Far too expensive for the quality"),
        (2, "Đắt hơn so với chất lượng", "Expensive for the quality"),
        (3, "Tương xứng với chất lượng", "Fair for the quality"),
        (4, "Rẻ so với chất lượng", "Cheap for the quality"),
        (5, "Không tự chi trả nên không biết", "Did not pay, cannot say"),
    ),
)
RETURN_TIME = Scale(
    "so_voi_hen",
    ((1, "Sớm hơn ngày hẹn", "Earlier than promised"), (2, "Đúng ngày hẹn", "On the promised day"), (3, "Trễ hẹn", "Later than promised")),
)
