"""Account pages: change password, reset it (by e-mail, or by an official), two-factor enrolment and
verification. The rules live in units/accounts.py; these pages read a form and call it."""

from __future__ import annotations

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from units.access import POLICY, Action
from units.accounts import (
    password_changed,
    password_reset_candidates,
    totp_device,
    totp_enrolment_confirm,
    totp_enrolment_start,
    user_password_reset,
)
from units.middleware import MUST_CHANGE_PASSWORD
from units.selectors import user_roles


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"

    def get_success_url(self) -> str:
        return str(_next(self.request))  # back to the page the account gate held, or home

    def form_valid(self, form):
        response = super().form_valid(form)
        password_changed(actor=self.request.user)
        self.request.session.pop(MUST_CHANGE_PASSWORD, None)
        messages.success(self.request, _("Đã đổi mật khẩu."))
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        password_changed(actor=form.user)
        return response


def password_reset(request: HttpRequest) -> HttpResponse:
    """By e-mail when the deployment sends e-mail; otherwise say who can set a temporary password."""
    if settings.PASSWORD_RESET_BY_EMAIL:
        return auth_views.PasswordResetView.as_view()(request)
    return render(request, "registration/password_reset_by_official.html")


# ------------------------------------------------------------------------------------------------ by an official


@never_cache
@login_required
def account_users(request: HttpRequest) -> HttpResponse:
    """The users of the official's subtree who may be given a temporary password."""
    if not (request.user.is_superuser or user_roles(request.user) & POLICY[Action.USERS_PASSWORD_RESET]):
        raise PermissionDenied
    users = password_reset_candidates(request.user).prefetch_related("memberships__unit")
    return render(request, "units/account_users.html", {"users": users})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_user_password_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """GET: ask; POST: set a temporary password and show it once."""
    target = get_object_or_404(password_reset_candidates(request.user), pk=user_id)
    if request.method == "POST":
        password = user_password_reset(actor=request.user, user=target)
        return render(request, "units/account_user_password_done.html", {"target": target, "password": password})
    return render(request, "units/account_user_password_confirm.html", {"target": target})


# ------------------------------------------------------------------------------------------------ two factors


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=gettext_lazy("Mã 6 số trong ứng dụng xác thực"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": gettext_lazy("Mã gồm 6 chữ số.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse_lazy("home")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Show a QR code for the authenticator app and confirm it with a first code."""
    if totp_device(request.user, confirmed=True) is not None:
        return redirect("account_2fa_verify")
    device = totp_enrolment_start(actor=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp_enrolment_confirm(actor=request.user, device=device, token=form.cleaned_data["token"].strip()):
            otp_login(request, device)
            messages.success(request, _("Đã bật đăng nhập hai lớp cho tài khoản."))
            return redirect(_next(request))
        form.add_error("token", _("Mã không đúng. Hãy kiểm tra giờ trên điện thoại và nhập mã mới."))
    context = {
        "form": form,
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=4),
        "secret": _base32(device.bin_key),
        "next": _next(request),
    }
    return render(request, "units/two_factor_enrol.html", context)


def _base32(key: bytes) -> str:
    from base64 import b32encode

    return b32encode(key).decode().rstrip("=")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the enrolled app (django-otp throttles wrong codes)."""
    device = totp_device(request.user, confirmed=True)
    if device is None:
        return redirect("account_2fa_enrol")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _why = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["token"].strip()):
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("token", _("Mã không đúng hoặc đã nhập sai quá nhiều lần; hãy đợi mã mới rồi thử lại."))
    return render(request, "units/two_factor_verify.html", {"form": form, "next": _next(request)})
