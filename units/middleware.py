"""Session rules that apply to every page: an idle timeout, then the account gate (a temporary password
must be changed first; officials and superusers sign in with a second factor when REQUIRE_2FA=1)."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from units.accounts import password_change_required, totp_device, two_factor_required

LAST_SEEN = "_hl_last_seen"
# Set at sign-in from PasswordChangeRequired: a temporary password is only ever replaced by a new one,
# which ends the session, so the database need not be asked on every request.
MUST_CHANGE_PASSWORD = "_hl_must_change_password"


def session_start(sender, request: HttpRequest, user, **kwargs) -> None:
    """user_logged_in: note the time (the idle clock starts) and whether the password must be changed."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[LAST_SEEN] = int(time.time())
    request.session[MUST_CHANGE_PASSWORD] = password_change_required(user)

# Writing the session on every request would cost a database write each time: once a minute is enough.
TOUCH_EVERY = 60


class IdleSessionMiddleware:
    """Sign out a user whose previous request is more than SESSION_IDLE_MINUTES old."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get(LAST_SEEN)
            if isinstance(last, int) and now - last > settings.SESSION_IDLE_MINUTES * 60:
                logout(request)
                if _wants_json(request):
                    return JsonResponse({"detail": _("Phiên làm việc đã hết hạn. Hãy đăng nhập lại.")}, status=401)
                messages.info(request, _("Phiên làm việc đã hết hạn vì %(minutes)s phút không hoạt động. Hãy đăng nhập lại.") % {"minutes": settings.SESSION_IDLE_MINUTES})
                return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
            if not isinstance(last, int) or now - last >= TOUCH_EVERY:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "") or request.headers.get("Content-Type", "").startswith("application/json")


# Pages a user held at the gate may still reach: the gate's own pages, signing out, assets and probes, and the
# service worker's script and offline page (a redirect would break the worker's install on an enumerator's phone).
GATE_OPEN = ("account_password_change", "account_2fa_enrol", "account_2fa_verify", "logout", "surveys:service_worker", "surveys:offline")
GATE_OPEN_PREFIXES = ("/static/", "/healthz", "/i18n/")


class AccountGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open: set[str] | None = None

    def _open_paths(self) -> set[str]:
        if self._open is None:
            self._open = {reverse(name) for name in GATE_OPEN}
        return self._open

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or request.path in self._open_paths() or request.path.startswith(GATE_OPEN_PREFIXES):
            return self.get_response(request)
        if two_factor_required(user) and not user.is_verified():
            target = "account_2fa_verify" if totp_device(user, confirmed=True) else "account_2fa_enrol"
            return self._held(request, target)
        if request.session.get(MUST_CHANGE_PASSWORD):
            return self._held(request, "account_password_change")
        return self.get_response(request)

    def _held(self, request: HttpRequest, target: str) -> HttpResponse:
        if _wants_json(request):
            return JsonResponse({"detail": _("Tài khoản cần hoàn tất bước đăng nhập."), "next": reverse(target)}, status=401)  # the offline queue keeps 401s
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
