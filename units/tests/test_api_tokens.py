"""Personal API keys: created once, stored only as a hash, revoked at once; the page, the admin and the command."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from units.access import SYSTEM
from units.models import ApiToken, AuditEntry
from units.selectors import user_for_api_key
from units.services import ApiTokenRuleError, api_token_create, api_token_revoke

KEY = re.compile(r"hl_[A-Za-z0-9_-]{43}")


@pytest.fixture
def alice_key(alice) -> tuple[ApiToken, str]:
    return api_token_create(user=alice, name="Tổng đài 1022", actor=alice)


def _make_expired(token: ApiToken) -> None:
    past = timezone.now() - dt.timedelta(days=2)
    ApiToken.objects.filter(pk=token.pk).update(created_at=past, expires_at=past + dt.timedelta(days=1))


class TestKeys:
    def test_a_valid_key_gives_its_users_id_in_one_query(self, alice, alice_key, django_assert_num_queries):
        _token, raw_key = alice_key
        with django_assert_num_queries(1):
            assert user_for_api_key(raw_key).pk == alice.pk

    def test_the_key_is_recognisable_and_never_stored_in_clear(self, alice_key):
        token, raw_key = alice_key
        assert raw_key.startswith("hl_") and len(raw_key) == 46
        assert token.prefix == raw_key[:8]
        assert token.key_hash == hashlib.sha256(raw_key.encode()).hexdigest()
        stored = ApiToken.objects.values_list(*[field.column for field in ApiToken._meta.concrete_fields]).get(pk=token.pk)
        assert not any(raw_key in str(value) for value in stored)
        assert not AuditEntry.objects.filter(changes__icontains=raw_key[8:]).exists()

    def test_each_key_is_different(self, alice):
        keys = {api_token_create(user=alice, name=f"Khoá {n}", actor=alice)[1] for n in range(5)}
        assert len(keys) == 5

    def test_creating_and_revoking_a_key_are_audited(self, alice, alice_key):
        token, _raw_key = alice_key
        api_token_revoke(token=token, actor=alice)
        entries = AuditEntry.objects.filter(object_type="units.apitoken", object_id=str(token.pk), actor=alice)
        assert sorted(entries.values_list("action", flat=True)) == ["api_token.create", "api_token.revoke"]
        assert entries.get(action="api_token.create").changes["prefix"] == token.prefix

    def test_a_revoked_key_is_refused_from_the_next_request(self, alice, alice_key):
        token, raw_key = alice_key
        assert api_token_revoke(token=token, actor=alice) is True
        assert user_for_api_key(raw_key) is None
        assert token.revoked_at is not None

    def test_revoking_twice_changes_and_audits_nothing_more(self, alice, alice_key):
        token, _raw_key = alice_key
        api_token_revoke(token=token, actor=alice)
        first = ApiToken.objects.get(pk=token.pk).revoked_at
        assert api_token_revoke(token=ApiToken.objects.get(pk=token.pk), actor=alice) is False
        assert ApiToken.objects.get(pk=token.pk).revoked_at == first
        assert AuditEntry.objects.filter(action="api_token.revoke").count() == 1

    def test_an_expired_key_is_refused(self, alice_key):
        token, raw_key = alice_key
        _make_expired(token)
        assert user_for_api_key(raw_key) is None

    def test_a_key_works_until_its_expiry(self, alice):
        _token, raw_key = api_token_create(user=alice, name="Ngắn hạn", actor=alice, expires_at=timezone.now() + dt.timedelta(minutes=1))
        assert user_for_api_key(raw_key).pk == alice.pk

    def test_the_key_of_a_deactivated_user_is_refused(self, alice, alice_key):
        _token, raw_key = alice_key
        alice.is_active = False
        alice.save(update_fields=["is_active"])
        assert user_for_api_key(raw_key) is None

    def test_an_unknown_key_is_refused(self, alice_key):
        _token, raw_key = alice_key
        assert user_for_api_key(raw_key[:-1] + ("A" if raw_key[-1] != "A" else "B")) is None
        assert user_for_api_key(raw_key[:8]) is None

    @pytest.mark.parametrize("raw", ["", "hl_" + "x" * 198])
    def test_empty_or_overlong_input_is_refused_without_a_query(self, raw, db, django_assert_num_queries):
        with django_assert_num_queries(0):
            assert user_for_api_key(raw) is None

    def test_a_user_who_cannot_submit_gets_no_key(self, bob):
        with pytest.raises(ApiTokenRuleError, match="không có vai trò nhập phiếu"):
            api_token_create(user=bob, name="Tổng đài", actor=bob)
        assert not ApiToken.objects.exists()

    def test_a_deactivated_user_gets_no_key(self, alice):
        alice.is_active = False
        with pytest.raises(ApiTokenRuleError, match="vô hiệu hoá"):
            api_token_create(user=alice, name="Tổng đài", actor=SYSTEM)
        assert not ApiToken.objects.exists()

    def test_a_key_needs_a_name_and_a_future_expiry(self, alice):
        with pytest.raises(ApiTokenRuleError) as problem:
            api_token_create(user=alice, name="  ", actor=alice, expires_at=timezone.now() - dt.timedelta(seconds=1))
        assert set(problem.value.message_dict) == {"name", "expires_at"}
        assert not ApiToken.objects.exists() and not AuditEntry.objects.filter(action="api_token.create").exists()


class TestPage:
    def test_anonymous_users_are_sent_to_login(self, client, alice_key):
        token, _raw_key = alice_key
        for url in (reverse("api_tokens"), reverse("api_token_revoke", args=[token.pk])):
            response = client.get(url)
            assert response.status_code == 302
            assert response.url.startswith(reverse("login"))

    def test_a_new_key_is_shown_once_and_the_list_shows_only_its_prefix(self, client, alice):
        client.force_login(alice)
        response = client.post(reverse("api_tokens"), {"name": "Tổng đài 1022", "expires_at": ""})
        assert response.status_code == 200
        assert "no-store" in response.headers["Cache-Control"]
        html = response.content.decode()
        assert "không thể hiện lại" in html
        [raw_key] = set(KEY.findall(html))
        assert user_for_api_key(raw_key).pk == alice.pk
        listing = client.get(reverse("api_tokens")).content.decode()
        assert "Tổng đài 1022" in listing and f"{raw_key[:8]}…" in listing
        assert raw_key not in listing and not KEY.search(listing)
        assert "Không hết hạn" in listing

    def test_the_expiry_is_a_vietnamese_date_and_the_key_works_through_that_day(self, client, alice):
        client.force_login(alice)
        client.post(reverse("api_tokens"), {"name": "Ứng dụng thu thập", "expires_at": "31/12/2099"})
        token = ApiToken.objects.get(user=alice)
        local = timezone.localtime(token.expires_at)
        assert (local.date(), local.hour, local.minute) == (dt.date(2099, 12, 31), 23, 59)
        assert "31/12/2099" in client.get(reverse("api_tokens")).content.decode()

    def test_a_key_whose_last_day_is_today_works_today(self, client, alice):
        client.force_login(alice)
        today = timezone.localdate().strftime("%d/%m/%Y")
        raw_key = KEY.search(client.post(reverse("api_tokens"), {"name": "Hôm nay", "expires_at": today}).content.decode()).group()
        assert user_for_api_key(raw_key).pk == alice.pk

    def test_the_page_is_in_english_with_the_language_cookie(self, client, alice, alice_key, settings):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        client.force_login(alice)
        html = client.get(reverse("api_tokens")).content.decode()
        assert "My API keys" in html and "Active" in html and "Create a new key" in html
        assert "Khoá API của tôi" not in html

    @pytest.mark.parametrize(("expires_at", "message"), [("2099-31-12", "Nhập một ngày hợp lệ"), ("01/01/2020", "Ngày hết hạn đã qua")])
    def test_a_wrong_expiry_is_explained_and_nothing_is_created(self, client, alice, expires_at, message):
        client.force_login(alice)
        response = client.post(reverse("api_tokens"), {"name": "Tổng đài", "expires_at": expires_at})
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not ApiToken.objects.exists()

    def test_a_read_only_member_sees_no_form_and_cannot_create_a_key(self, client, bob):
        client.force_login(bob)
        page = client.get(reverse("api_tokens")).content.decode()
        assert 'name="name"' not in page and "Chỉ điều tra viên" in page
        assert client.post(reverse("api_tokens"), {"name": "Tổng đài", "expires_at": ""}).status_code == 403
        assert not ApiToken.objects.exists()

    def test_the_menu_links_to_the_page_for_those_who_may_hold_keys(self, client, alice, bob):
        client.force_login(alice)
        assert reverse("api_tokens") in client.get(reverse("home")).content.decode()
        client.force_login(bob)
        assert reverse("api_tokens") not in client.get(reverse("home")).content.decode()

    def test_the_list_shows_only_the_users_own_keys_in_a_fixed_number_of_queries(self, client, alice, charlie, django_assert_num_queries):
        for n in range(3):
            api_token_create(user=alice, name=f"Khoá của Alice {n}", actor=alice)
        api_token_create(user=charlie, name="Khoá của Charlie", actor=charlie)
        client.force_login(alice)
        # session, user, the menu's roles, the page's roles, the keys
        with django_assert_num_queries(5):
            html = client.get(reverse("api_tokens")).content.decode()
        assert html.count("Khoá của Alice") == 3 and "Khoá của Charlie" not in html

    def test_revoking_asks_first_then_revokes(self, client, alice, alice_key):
        token, raw_key = alice_key
        client.force_login(alice)
        url = reverse("api_token_revoke", args=[token.pk])
        confirm = client.get(url)
        assert confirm.status_code == 200 and "Thu hồi khoá «Tổng đài 1022»" in confirm.content.decode()
        assert user_for_api_key(raw_key).pk == alice.pk
        response = client.post(url)
        assert response.status_code == 302 and response.url == reverse("api_tokens")
        assert user_for_api_key(raw_key) is None
        listing = client.get(reverse("api_tokens")).content.decode()
        assert "Đã thu hồi khoá «Tổng đài 1022»" in listing and "Đã thu hồi" in listing

    def test_another_users_key_cannot_be_revoked(self, client, alice_key, charlie):
        token, raw_key = alice_key
        client.force_login(charlie)
        url = reverse("api_token_revoke", args=[token.pk])
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
        assert user_for_api_key(raw_key).pk == token.user_id


class TestCommand:
    def test_the_command_prints_the_key_once(self, alice):
        out, err = StringIO(), StringIO()
        call_command("create_api_token", "alice", "--name", "Tổng đài 1022", "--expires", "31/12/2099", stdout=out, stderr=err)
        raw_key = out.getvalue().strip()
        assert KEY.fullmatch(raw_key)
        assert raw_key not in err.getvalue() and "chỉ hiện một lần" in err.getvalue()
        token = ApiToken.objects.get(user=alice)
        assert user_for_api_key(raw_key).pk == alice.pk
        assert timezone.localtime(token.expires_at).date() == dt.date(2099, 12, 31)
        assert token.created_by is None
        assert AuditEntry.objects.filter(action="api_token.create", object_id=str(token.pk), actor=None).exists()

    def test_an_unknown_user_is_a_clear_error(self, db):
        with pytest.raises(CommandError, match="Không tìm thấy người dùng «ghost»"):
            call_command("create_api_token", "ghost", "--name", "Tổng đài", stdout=StringIO(), stderr=StringIO())

    def test_a_wrong_date_is_a_clear_error(self, alice):
        with pytest.raises(CommandError, match="--expires"):
            call_command("create_api_token", "alice", "--name", "Tổng đài", "--expires", "2099-31-12", stdout=StringIO(), stderr=StringIO())
        assert not ApiToken.objects.exists()

    def test_a_user_who_cannot_submit_gets_no_key(self, bob):
        with pytest.raises(CommandError, match="không có vai trò nhập phiếu"):
            call_command("create_api_token", "bob", "--name", "Tổng đài", stdout=StringIO(), stderr=StringIO())


class TestAdmin:
    @pytest.fixture
    def root(self, make_user):
        return make_user("root", is_staff=True, is_superuser=True)

    def test_a_superuser_sees_the_keys_but_never_their_hash(self, client, root, alice_key):
        token, _raw_key = alice_key
        client.force_login(root)
        listing = client.get(reverse("admin:units_apitoken_changelist"))
        assert listing.status_code == 200
        html = listing.content.decode()
        assert "Tổng đài 1022" in html and f"{token.prefix}…" in html
        assert token.key_hash not in html
        assert reverse("admin:units_apitoken_add") not in html
        detail = client.get(reverse("admin:units_apitoken_change", args=[token.pk])).content.decode()
        assert "Tổng đài 1022" in detail and token.key_hash not in detail

    def test_a_superuser_cannot_add_a_key_in_the_admin(self, client, root, alice):
        client.force_login(root)
        assert client.get(reverse("admin:units_apitoken_add")).status_code == 403
        assert client.post(reverse("admin:units_apitoken_add"), {"user": alice.pk, "name": "x", "key_hash": "0" * 64}).status_code == 403
        assert not ApiToken.objects.exists()

    def test_a_superuser_revokes_selected_keys(self, client, root, alice_key):
        token, raw_key = alice_key
        client.force_login(root)
        response = client.post(reverse("admin:units_apitoken_changelist"), {"action": "revoke_selected", "_selected_action": [token.pk]})
        assert response.status_code == 302
        assert user_for_api_key(raw_key) is None
        assert AuditEntry.objects.filter(action="api_token.revoke", actor=root).exists()

    def test_an_official_with_admin_access_does_not_see_the_keys(self, client, alice, alice_key):
        client.force_login(alice)
        assert client.get(reverse("admin:units_apitoken_changelist")).status_code == 403
        assert "apitoken" not in client.get(reverse("admin:index")).content.decode()
