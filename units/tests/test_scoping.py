import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from units.access import SYSTEM
from units.models import Role, Unit
from units.selectors import scope_queryset, unit_for_user, units_visible_to, user_primary_role


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


def test_a_role_at_a_unit_covers_exactly_its_subtree(tree, alice, charlie):
    assert codes(units_visible_to(alice)) == ["A", "A-BV", "A-SYT", "A1", "A2"]
    assert codes(units_visible_to(charlie)) == ["B", "B1"]


def test_a_role_low_in_the_tree_does_not_reach_siblings_or_parents(tree, make_user):
    nurse = make_user("nurse", Role.UNIT_MANAGER, tree["A-SYT"])
    assert codes(units_visible_to(nurse)) == ["A-BV", "A-SYT"]


def test_codes_that_share_a_prefix_do_not_leak_into_each_other(make_unit, make_user):
    one = make_unit("1", "Một", "province")
    make_unit("10", "Mười", "province")
    make_unit("1-X", "Con của Một", "commune", one)
    user = make_user("u", Role.VIEWER, one)
    assert codes(units_visible_to(user)) == ["1", "1-X"]


def test_scope_queryset_follows_a_foreign_key(tree, alice):
    from units.models import Membership

    memberships = scope_queryset(Membership.objects.all(), user=alice, field="unit")
    assert {m.unit.code for m in memberships} == {"A"}


def test_outsiders_get_404_and_read_only_members_get_403(tree, alice, bob, charlie):
    assert unit_for_user(user=alice, code="A1", write=True) == tree["A1"]
    assert unit_for_user(user=bob, code="A1") == tree["A1"]
    with pytest.raises(PermissionDenied):
        unit_for_user(user=bob, code="A1", write=True)
    with pytest.raises(Http404):
        unit_for_user(user=charlie, code="A1")


def test_anonymous_users_see_nothing(tree):
    from django.contrib.auth.models import AnonymousUser

    assert not units_visible_to(AnonymousUser()).exists()


def test_superusers_see_everything(tree, django_user_model):
    root = django_user_model.objects.create_superuser("root", "r@example.invalid", "x")
    assert units_visible_to(root).count() == Unit.objects.count()


def test_the_strongest_role_decides_the_landing_page(tree, make_user):
    user = make_user("multi", Role.ENUMERATOR, tree["A1"])
    assert user_primary_role(user) == Role.ENUMERATOR
    from units.services import membership_grant

    membership_grant(user=user, unit=tree["A2"], role=Role.SUPERVISOR, actor=SYSTEM)
    assert user_primary_role(user) == Role.SUPERVISOR


def test_the_official_role_opens_the_admin_and_losing_it_closes_it(tree, make_user):
    from units.models import AuditEntry, Membership
    from units.services import membership_revoke

    user = make_user("temp", Role.OFFICIAL, tree["A1"])
    user.refresh_from_db()
    assert user.is_staff and user.has_perm("campaigns.add_campaign")
    membership_revoke(membership=Membership.objects.get(user=user), actor=SYSTEM)
    user.refresh_from_db()
    assert not user.is_staff
    assert list(AuditEntry.objects.filter(object_type="units.membership").values_list("action", flat=True)) == [
        "membership.revoke",
        "membership.grant",
    ]
