"""Demo back-checks (phúc tra, called by load_demo): the current SIPAS campaign's demo interviews get their
enumerators, a seeded draw, and results recorded by the demo supervisor: matches, an unreached respondent and
one discrepancy, which holds that enumerator's other responses (the campaign's default rules)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from campaigns.models import Campaign
from surveys.models import BackCheck, Response
from surveys.quality.backchecks import COMPLETED, BackCheckAnswers, backcheck_record, backchecks_draw, interview_date, original_levels
from units.access import SYSTEM
from units.demo import DEMO_PASSWORD
from units.models import Role
from units.services import membership_grant

DEMO_SEED = 2026
# The second enumerator interviews the last few responses; the first, the others.
SECOND_ENUMERATOR = ("dieutravien2", "Hoàng Văn Nam (điều tra viên bưu điện)")
SECOND_SHARE = 8
DEMO_RESPONDENTS = ("nguyễn văn hải", "trần thị mai", "lê quốc tuấn", "phạm thị hương", "võ minh đức")


def _second_enumerator(campaign: Campaign) -> User:
    user, created = User.objects.get_or_create(username=SECOND_ENUMERATOR[0], defaults={"first_name": SECOND_ENUMERATOR[1]})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
        membership_grant(user=user, unit=campaign.organiser, role=Role.ENUMERATOR, actor=SYSTEM)
    return user


@transaction.atomic
def load_backchecks_demo(campaign: Campaign) -> list[str]:
    """Once per campaign: enumerators on its completed demo interviews, the draw, three kinds of results."""
    if BackCheck.objects.filter(campaign=campaign).exists():
        return [f"{campaign.code}: đã có phiếu phúc tra"]
    first = User.objects.filter(username="dieutravien").first()
    supervisor = User.objects.filter(username="giamsat").first() or SYSTEM
    if first is None:
        return []
    ids = list(
        Response.objects.filter(campaign=campaign, status__in=COMPLETED, enumerator__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Response.objects.filter(pk__in=ids[:-SECOND_SHARE]).update(enumerator=first)
    Response.objects.filter(pk__in=ids[-SECOND_SHARE:]).update(enumerator=_second_enumerator(campaign))
    result = backchecks_draw(actor=SYSTEM, campaign=campaign, seed=DEMO_SEED)
    for number, response_id in enumerate(BackCheck.objects.filter(campaign=campaign).order_by("pk").values_list("response_id", flat=True)):
        # made-up contacts to call (demo interviews at the desk have no drawn person)
        name = DEMO_RESPONDENTS[number % len(DEMO_RESPONDENTS)]
        Response.objects.filter(pk=response_id, respondent_phone="").update(
            respondent_name=name, respondent_phone=f"0905{700000 + response_id:06d}"
        )
    checks = list(
        BackCheck.objects.filter(campaign=campaign).select_related("response__form__questionnaire", "campaign", "enumerator").order_by("pk")
    )
    first_checks = [check for check in checks if check.enumerator_id == first.pk]
    for check in first_checks[:2]:
        response = check.response
        matched = BackCheckAnswers(
            reached=True, interviewed=True, interview_date=interview_date(response), channel=response.channel, items=original_levels(check)
        )
        backcheck_record(actor=supervisor, backcheck=check, answers=matched)
    for check in first_checks[2:3]:
        backcheck_record(actor=supervisor, backcheck=check, answers=BackCheckAnswers(reached=False, note="Gọi 3 lần không nghe máy"))
    failed = next((check for check in checks if check.enumerator_id != first.pk), None)
    if failed is not None:
        said = BackCheckAnswers(reached=True, interviewed=False, note="Người trả lời nói chưa ai hỏi ý kiến")
        backcheck_record(actor=supervisor, backcheck=failed, answers=said)
    recorded = BackCheck.objects.filter(campaign=campaign, checked_at__isnull=False).count()
    return [f"{campaign.code}: chọn {result.drawn_now} phiếu phúc tra (hạt giống {result.seed}), đã ghi {recorded} kết quả"]
