"""What the campaign commands share: finding the campaign an operator named."""

from django.core.management.base import CommandError

from campaigns.models import Campaign


def campaign_or_error(code: str) -> Campaign:
    campaign = Campaign.objects.select_related("organiser").filter(code=code).first()
    if campaign is None:
        raise CommandError(f"Không tìm thấy đợt khảo sát có mã «{code}».")
    return campaign
