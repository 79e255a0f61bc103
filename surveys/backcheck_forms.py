"""Forms of the back-check pages: they read input; the rules live in surveys.quality.backchecks."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Channel
from surveys.models import BackCheck, BackCheckStatus
from surveys.quality.backchecks import SEED_MAX, BackCheckAnswers
from surveys.selectors import compiled_form

YES_NO = [("yes", _("Có")), ("no", _("Không"))]
REACHED = [("yes", _("Đã liên hệ được")), ("no", _("Không liên hệ được"))]
NO_ANSWER = ""
NO_ITEM_ANSWER = "x"  # an item the respondent did not answer (not "": nothing is chosen before the supervisor asks)
RADIO = forms.RadioSelect(attrs={"class": "btn-check", "autocomplete": "off"})


class DrawForm(forms.Form):
    seed = forms.IntegerField(
        label=_("Hạt giống (để trống: dùng hạt giống lần trước)"),
        required=False,
        min_value=0,
        max_value=SEED_MAX - 1,
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
        error_messages={
            "invalid": _("Hạt giống phải là số nguyên."),
            "min_value": _("Hạt giống không được âm."),
            "max_value": _("Hạt giống quá lớn."),
        },
    )


class BackCheckForm(forms.Form):
    """The verification questions: reached, interviewed, date, channel, the repeated items, a note."""

    reached = forms.ChoiceField(label=_("Liên hệ với người trả lời"), choices=REACHED, widget=RADIO)
    interviewed = forms.ChoiceField(
        label=_("Ông/bà có được điều tra viên hỏi ý kiến về mức độ hài lòng không?"), choices=YES_NO, widget=RADIO, required=False
    )
    interview_date = forms.DateField(
        label=_("Ông/bà được hỏi vào ngày nào? (để trống nếu không nhớ)"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}),
        error_messages={"invalid": _("Ngày không hợp lệ (dd/mm/yyyy).")},
    )
    channel = forms.ChoiceField(
        label=_("Ông/bà được hỏi bằng cách nào?"),
        choices=[(NO_ANSWER, _("Không nhớ")), *Channel.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=500, widget=forms.TextInput(attrs={"class": "form-control"}))

    def __init__(self, *args, backcheck: BackCheck, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        questions = compiled_form(backcheck.response.form.questionnaire).questions
        self.item_fields = []
        for code in backcheck.items:
            question = questions.get(code)
            if question is None or question.index_scale is None:
                continue
            levels = [(str(c.value), f"{c.value}. {c.label}") for c in question.choices if c.value in question.index_scale.valid]
            name = f"item_{code}"
            self.fields[name] = forms.ChoiceField(
                label=question.text, choices=[*levels, (NO_ITEM_ANSWER, _("Không trả lời"))], required=False, widget=RADIO
            )
            self.item_fields.append((code, name))
        if not self.is_bound and backcheck.status != BackCheckStatus.PENDING:
            self.initial = recorded(backcheck)

    def items(self) -> list[forms.BoundField]:
        return [self[name] for _code, name in self.item_fields]

    def answers(self) -> BackCheckAnswers:
        data = self.cleaned_data
        if data["reached"] != "yes":
            return BackCheckAnswers(reached=False, note=data["note"])
        interviewed = {"yes": True, "no": False}.get(data.get("interviewed") or "")
        return BackCheckAnswers(
            reached=True,
            interviewed=interviewed,
            interview_date=data.get("interview_date"),
            channel=data.get("channel") or "",
            items={code: _level(data.get(name)) for code, name in self.item_fields},
            note=data["note"],
        )


def _level(raw: str | None) -> int | None:
    """A chosen level, None for no answer (the choices are the scale's levels, so int() cannot fail)."""
    return int(raw) if raw and raw != NO_ITEM_ANSWER else None


def recorded(backcheck: BackCheck) -> dict[str, object]:
    """The form's values for a back-check recorded before (to correct it)."""
    if backcheck.status == BackCheckStatus.UNREACHED:
        return {"reached": "no", "note": backcheck.note}
    stored = backcheck.answers or {}
    values: dict[str, object] = {"reached": "yes", "note": backcheck.note, "channel": stored.get("channel") or NO_ANSWER}
    values["interviewed"] = {True: "yes", False: "no"}.get(backcheck.interviewed, "")
    values["interview_date"] = stored.get("date")
    for code, level in (stored.get("items") or {}).items():
        values[f"item_{code}"] = NO_ITEM_ANSWER if level is None else str(level)
    return values
