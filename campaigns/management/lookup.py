"""What the campaign commands share: finding the campaign an operator named."""

from django.core.management.base import CommandError

from campaigns.models import Campaign
from campaigns.selectors import campaign_by_code


def campaign_or_error(code: str) -> Campaign:
    """The campaign an operator named, in any letter case; a CommandError when there is none."""
    campaign = campaign_by_code(code)
    if campaign is None:
        raise CommandError(f"Không tìm thấy đợt khảo sát có mã «{code}».")
    return campaign
