"""Login lockout with one limit per criterion (django-axes' database handler, extended).

Axes counts failures for each entry of AXES_LOCKOUT_PARAMETERS (here: a user at one address, a user
from any address, an address across users) against a single limit. We give each its own limit
(LOGIN_FAILURE_LIMITS, same order): a few for one user at one address, more for one user across
addresses (guessing from many machines), more still for one address across users (password spraying;
a shared office or carrier address has many honest users). Axes compares one number with
AXES_FAILURE_LIMIT, so each count is scaled to that limit: the lock falls when any criterion reaches
its own limit, and not before.

A successful login clears only that user's failures: it must not clear the failures of everyone else
tried from the same address (which would let a sprayer reset the count with an account of their own).
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def scaled_failures(counts: list[int], limits: list[int], base: int) -> int:
    """The largest count, each scaled so that reaching its own limit means reaching `base`."""
    return max((count * base // limit for count, limit in zip(counts, limits, strict=True)), default=0)


class LoginLimitsHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        counts = [attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0 for attempts in self.get_user_attempts(request, credentials)]
        return scaled_failures(counts, list(settings.LOGIN_FAILURE_LIMITS), settings.AXES_FAILURE_LIMIT)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        deleted, _ = AccessAttempt.objects.filter(username=username).delete()
        return deleted
