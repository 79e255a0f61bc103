"""The online self-survey: one-time tokens, one response per token or device, and a rate limit.

A token is a signed (campaign, nonce) pair, so a forged one is refused; the nonce becomes the
response's unique `online_key`, so a reused one is refused by the database itself.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.core import signing
from django.core.cache import cache

from campaigns.models import Campaign
from surveys.models import Response

TOKEN_SALT = "hailong.online-survey"


class TokenInvalid(Exception):
    """A token that was not issued for this campaign."""


def online_token_make(*, campaign: Campaign) -> str:
    """A one-time token for a campaign's online link (printed on a slip or in a QR code)."""
    return signing.dumps({"c": campaign.pk, "n": secrets.token_urlsafe(12)}, salt=TOKEN_SALT, compress=True)


def online_key(*, campaign: Campaign, token: str, device: str) -> str:
    """The response's unique online key: the token's nonce, or the device for links without a token.

    Raises TokenInvalid for a token that is forged or belongs to another campaign.
    """
    if token:
        try:
            data = signing.loads(token, salt=TOKEN_SALT)
        except signing.BadSignature:
            raise TokenInvalid from None
        if not isinstance(data, dict) or data.get("c") != campaign.pk or not isinstance(data.get("n"), str):
            raise TokenInvalid
        return f"t:{data['n']}"
    return f"d:{campaign.pk}:{device}"


def online_already_answered(*, key: str) -> bool:
    return Response.objects.filter(online_key=key).exists()


def device_id_clean(raw: str | None) -> str:
    """The device cookie if it is a UUID, else a fresh one."""
    try:
        return str(uuid.UUID(str(raw)))
    except (TypeError, ValueError):
        return str(uuid.uuid4())


def online_rate_limited(*, campaign: Campaign, client_address: str) -> bool:
    """Count one attempt from this address; True once it passes the hourly limit (Django cache)."""
    key = f"hl:online-rate:{campaign.pk}:{client_address}"
    limit = getattr(settings, "ONLINE_SURVEY_RATE_LIMIT", 30)
    if cache.add(key, 1, timeout=3600):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        return False
    return count > limit
