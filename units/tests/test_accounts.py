"""Accounts: client addresses from trusted proxies only, login lockout per user, per address and per both,
password reset (by e-mail, or a temporary password from an official), idle sessions, two-factor sign-in."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from units.clients import client_address
from units.middleware import LAST_SEEN
from units.models import AuditEntry, PasswordChangeRequired, Role

PASSWORD = "secret-pass-123"


def login(client: Client, username: str, password: str = PASSWORD, address: str = "192.0.2.1", **headers) -> int:
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, **headers).status_code


# ------------------------------------------------------------------------------------------------ client address


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        ([], "192.0.2.9", "198.51.100.1", "192.0.2.9"),  # no proxy configured: the header is the client's own words
        (["127.0.0.1"], "192.0.2.9", "198.51.100.1", "192.0.2.9"),  # not from the proxy: ignored
        (["127.0.0.1"], "127.0.0.1", "198.51.100.1", "198.51.100.1"),
        (["127.0.0.1"], "127.0.0.1", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the client's forged part is ignored
        (["127.0.0.1", "10.0.0.0/8"], "127.0.0.1", "198.51.100.1, 10.1.2.3", "198.51.100.1"),  # two proxies
        (["127.0.0.1"], "127.0.0.1", "198.51.100.1, nonsense", "127.0.0.1"),
        (["127.0.0.1"], "127.0.0.1", "", "127.0.0.1"),
        (["::1"], "::1", "2001:db8::7", "2001:db8::7"),
    ],
)
def test_the_client_address_comes_from_a_trusted_proxy_only(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


# ------------------------------------------------------------------------------------------------ lockout


@pytest.fixture
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_LIMITS = [3, 5, 8]  # user at one address, user anywhere, address across users


def test_password_spraying_from_one_address_locks_that_address_for_every_user(client, make_user, db, limits):
    make_user("lan")
    assert [login(client, f"nobody-{n}", "wrong") for n in range(8)] == [200] * 7 + [429]  # the 8th failure locks
    assert login(client, "lan") == 429  # the right password, from the sprayer's address
    assert login(Client(), "lan", address="192.0.2.77") == 302  # the user elsewhere is not locked


def test_guessing_one_user_from_many_addresses_locks_that_user(client, make_user, db, limits):
    make_user("victim")
    for n in range(5):
        login(client, "victim", "wrong", address=f"198.51.100.{n + 1}")
    assert login(Client(), "victim", address="192.0.2.200") == 429
    make_user("other")
    assert login(Client(), "other", address="192.0.2.200") == 302


def test_a_successful_login_does_not_clear_the_failures_of_other_users_from_its_address(client, make_user, db, limits):
    make_user("sprayer")
    for n in range(7):
        login(client, f"target-{n}", "wrong")
    assert login(Client(), "sprayer") == 302  # their own account, same address
    login(client, "target-7", "wrong")
    assert login(Client(), "sprayer") == 429


def test_behind_the_proxy_one_citizen_cannot_lock_out_the_others(client, make_user, db, limits, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    make_user("lan")
    for n in range(8):
        login(client, f"nobody-{n}", "wrong", address="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.66")
    assert login(Client(), "lan", address="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.67") == 302
    assert login(Client(), "lan", address="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.66") == 429


# ------------------------------------------------------------------------------------------------ password reset


def test_without_e_mail_the_reset_page_sends_the_user_to_an_official(client, db, settings):
    settings.PASSWORD_RESET_BY_EMAIL = False
    page = client.get(reverse("password_reset")).content.decode()
    assert "cán bộ quản lý" in page and "mật khẩu tạm" in page
    assert 'href="/quen-mat-khau/"' in client.get(reverse("login")).content.decode()


def test_with_e_mail_configured_a_reset_link_is_sent_and_sets_a_new_password(client, make_user, db, settings):
    settings.PASSWORD_RESET_BY_EMAIL = True
    make_user("lan", email="lan@example.vn")
    response = client.post(reverse("password_reset"), {"email": "lan@example.vn"})
    assert response.status_code == 302 and len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/quen-mat-khau/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url  # Django moves the token into the session, then shows the form
    response = client.post(form_url, {"new_password1": "Mat-khau-moi-2026", "new_password2": "Mat-khau-moi-2026"})
    assert response.status_code == 302
    assert login(Client(), "lan", "Mat-khau-moi-2026") == 302


def test_an_official_sets_a_temporary_password_that_must_be_changed_at_the_next_sign_in(client, alice, bob):
    client.force_login(alice)
    listing = client.get(reverse("account_users")).content.decode()
    assert "bob" in listing and "alice" not in listing.split("<tbody>")[1]
    url = reverse("account_user_password_reset", args=[bob.pk])
    page = client.post(url).content.decode()
    temporary = re.search(r'id="temporary-password">([^<]+)<', page).group(1)
    assert AuditEntry.objects.filter(action="user.password_reset", object_id=str(bob.pk), actor=alice).exists()
    assert login(Client(), "bob") == 200  # the old password no longer works

    bob_client = Client()
    assert login(bob_client, "bob", temporary) == 302
    home = bob_client.get(reverse("home"))
    assert home.status_code == 302 and home.url.startswith(reverse("account_password_change"))
    changed = bob_client.post(
        reverse("account_password_change"), {"old_password": temporary, "new_password1": "Cua-bob-rieng-9", "new_password2": "Cua-bob-rieng-9"}
    )
    assert changed.status_code == 302 and not PasswordChangeRequired.objects.filter(user=bob).exists()
    assert bob_client.get(reverse("home")).status_code == 200


def test_who_may_set_a_temporary_password(client, alice, bob, charlie, make_user, tree):
    both = make_user("hai-tinh", Role.ENUMERATOR, tree["A1"])
    from units.access import SYSTEM
    from units.services import membership_grant

    membership_grant(user=both, unit=tree["B1"], role=Role.ENUMERATOR, actor=SYSTEM)
    boss = make_user("boss", is_superuser=True)
    client.force_login(charlie)  # an official of another province
    assert client.post(reverse("account_user_password_reset", args=[bob.pk])).status_code == 404
    client.force_login(alice)
    for outsider in (both, boss, alice):  # also working in B; a superuser; oneself
        assert client.post(reverse("account_user_password_reset", args=[outsider.pk])).status_code == 404
    client.force_login(bob)  # a viewer
    assert client.get(reverse("account_users")).status_code == 403
    assert client.post(reverse("account_user_password_reset", args=[alice.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("account_users")).status_code == 302


# ------------------------------------------------------------------------------------------------ idle sessions


def test_a_session_idle_longer_than_the_setting_ends(client, bob, settings):
    settings.SESSION_IDLE_MINUTES = 30
    client.force_login(bob)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[LAST_SEEN] -= 29 * 60
    session.save()
    assert client.get(reverse("home")).status_code == 200  # 29 minutes: still signed in
    session = client.session
    session[LAST_SEEN] -= 31 * 60
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert client.get(reverse("home")).status_code == 302  # signed out for good


def test_an_idle_session_answers_401_to_the_offline_queue(client, bob):
    client.force_login(bob)
    client.get(reverse("home"))
    session = client.session
    session[LAST_SEEN] -= 3600
    session.save()
    response = client.post("/api/phieu/", "{}", content_type="application/json")
    assert response.status_code == 401  # the browser keeps the queued response and sends it after sign-in


# ------------------------------------------------------------------------------------------------ two factors


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_with_2fa_required_an_official_enrols_then_verifies_at_each_sign_in(client, alice, bob, settings):
    settings.REQUIRE_2FA = True
    assert login(client, "alice") == 302
    held = client.get(reverse("home"))
    assert held.status_code == 302 and held.url.startswith(reverse("account_2fa_enrol"))
    page = client.get(held.url).content.decode()
    assert "<svg" in page and "<script" not in page.split("<main")[1].split("</main>")[0]
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    assert client.post(reverse("account_2fa_enrol"), {"token": "000000" if code(device) != "000000" else "111111"}).status_code == 200
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)  # django-otp's 1-second delay after a wrong code
    assert client.post(reverse("account_2fa_enrol"), {"token": code(device), "next": "/"}).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert AuditEntry.objects.filter(action="user.2fa_enrol", actor=alice).exists()

    other = Client()
    login(other, "alice")
    held = other.get(reverse("reports:campaign_list"))
    assert held.url.startswith(reverse("account_2fa_verify"))
    assert other.get("/admin/").url.startswith(reverse("account_2fa_verify"))  # the admin too
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # a later 30-second step: the same code is no replay here
    device.refresh_from_db()
    assert other.post(reverse("account_2fa_verify"), {"token": code(device), "next": reverse("reports:campaign_list")}).url == reverse("reports:campaign_list")
    assert other.get(reverse("home")).status_code == 200

    viewer = Client()
    login(viewer, "bob")
    assert viewer.get(reverse("home")).status_code == 200  # not an official: one factor


def test_without_the_setting_no_second_factor_is_asked(client, alice, settings):
    settings.REQUIRE_2FA = False
    login(client, "alice")
    assert client.get(reverse("home")).status_code == 200
