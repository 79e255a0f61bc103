"""load_demo: every app's demo, in the order the layers stand (units → surveys → campaigns → responses → results),
then the demos of apps above reports (plans): each app config with a `load_demo()` method, which reports calls
through the app registry so that it never imports an app above it."""

import datetime as dt

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from campaigns.copying import campaign_copy
from campaigns.demo import load_campaigns_demo, load_fieldwork_demo
from campaigns.models import Campaign, CampaignStatus, ChannelWindow
from campaigns.services import campaign_activate
from reports.demo import load_results_demo
from surveys.demo import load_questionnaires_demo
from surveys.demo_backchecks import load_backchecks_demo
from surveys.demo_responses import load_responses_demo, load_review_demo
from units.demo import load_units_demo

# Last year's campaigns are published; this year's copies are in the field (their windows include today).
PUBLISHED_2025 = ("sipas-2025-khanh-hoa", "noi-tru-2025-khanh-hoa")


class Command(BaseCommand):
    help = (
        "Nạp dữ liệu mẫu: tỉnh Khánh Hòa, các sở, cơ sở y tế, người dùng mẫu theo vai trò, phiếu mẫu, "
        "các đợt khảo sát 2025 (đã công bố) và 2026 (đang khảo sát) với phiếu trả lời và chỉ số đã tính. "
        "Chạy lại không tạo trùng."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--responses", type=int, default=settings.DEMO_RESPONSES, help="Số phiếu trả lời mẫu cho mỗi đợt (mặc định %(default)s)."
        )

    def handle(self, *args, **options) -> None:
        count = options["responses"]
        logins = load_units_demo()
        questionnaires = load_questionnaires_demo()
        load_campaigns_demo(sipas_questionnaire=questionnaires["sipas-2023"], inpatient_questionnaire=questionnaires["moh-inpatient"])
        last_year = list(Campaign.objects.filter(code__in=PUBLISHED_2025).order_by("code"))
        for campaign in last_year:
            added = load_responses_demo(campaign, count)
            self.stdout.write(f"  {campaign.code}: thêm {added} phiếu trả lời mẫu")
        current = [self._this_year(campaign) for campaign in last_year]
        for campaign in current:
            added = load_responses_demo(campaign, count)
            self.stdout.write(f"  {campaign.code}: thêm {added} phiếu trả lời mẫu")
            for line in load_review_demo(campaign):  # a response sent back to «dieutravien», a corrected one
                self.stdout.write(f"  {campaign.code}: {line}")
        for line in load_backchecks_demo(next(c for c in current if c.previous.code == PUBLISHED_2025[0])):
            self.stdout.write(f"  {line}")
        codes = tuple(c.code for c in last_year + current)
        for line in load_results_demo(computed=codes, published=PUBLISHED_2025):
            self.stdout.write(f"  {line}")
        # The apps above reports (communication, plans) bring their demo as an AppConfig method, so reports imports none of them.
        for config in apps.get_app_configs():
            loader = getattr(config, "load_demo", None)
            for line in loader() if callable(loader) else []:
                self.stdout.write(f"  {line}")
        self.stdout.write("Dữ liệu mẫu đã sẵn sàng. Tài khoản mẫu (tên đăng nhập / mật khẩu — vai trò):")
        for username, password, role in logins:
            self.stdout.write(f"  {username} / {password} — {role}")

    @transaction.atomic
    def _this_year(self, campaign: Campaign) -> Campaign:
        """The 2026 copy of a 2025 demo campaign, active (created once)."""
        existing = Campaign.objects.filter(previous=campaign).first()
        if existing is not None:
            return existing
        actor = User.objects.filter(username="canbo").first()
        copy = campaign_copy(campaign=campaign, actor=actor)
        _open_from_today(copy)
        if copy.status == CampaignStatus.DRAFT:
            campaign_activate(campaign=copy, actor=actor)
        load_fieldwork_demo(campaign=copy, seed=copy.year * 1000 + copy.pk, actor=actor)
        return copy


def _open_from_today(campaign: Campaign) -> None:
    """The demo is for trying now: this year's campaign (a draft copy, September–November) stays open for at least
    30 more days from today, its windows that ended with it too, so that a demo loaded after its period still has
    fieldwork to do."""
    end = max(campaign.fieldwork_end, timezone.localdate() + dt.timedelta(days=30))
    if end == campaign.fieldwork_end:
        return
    ChannelWindow.objects.filter(campaign=campaign, end=campaign.fieldwork_end).update(end=end)
    Campaign.objects.filter(pk=campaign.pk).update(fieldwork_end=end)
    campaign.fieldwork_end = end
