"""Accounts: a temporary password set by an official, a forced change at the next sign-in, and who must
sign in with a second factor (TOTP through django-otp) when the deployment asks for it (REQUIRE_2FA).

Password reset by e-mail is Django's own (PasswordResetView) when EMAIL_HOST is set; without e-mail, an
official of the user's unit sets a temporary password here. An official may do so only for a user all
of whose memberships lie in units where the official may (units.access): a user who also works in
another province cannot be taken over through one province's official.
"""

from __future__ import annotations

import secrets

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django_otp.plugins.otp_totp.models import TOTPDevice

from units.access import POLICY, Action, require
from units.models import Membership, PasswordChangeRequired, Role
from units.selectors import membership_paths, subtree_q, user_roles
from units.services import audit_record

# Letters and digits that cannot be mistaken for one another when read aloud or copied from a screen.
_READABLE = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
TOTP_DEVICE_NAME = "Ứng dụng xác thực"


def temporary_password(length: int = 12) -> str:
    return "".join(secrets.choice(_READABLE) for _ in range(length))


def password_reset_candidates(actor: User | AnonymousUser) -> QuerySet[User]:
    """Users `actor` may give a temporary password: active, not superusers, not the actor, with every
    membership inside the actor's reach for the action."""
    if not actor.is_authenticated:
        return User.objects.none()
    paths = membership_paths(actor, roles=POLICY[Action.USERS_PASSWORD_RESET])
    inside = subtree_q(paths, "unit")
    users = User.objects.filter(is_active=True, is_superuser=False, memberships__in=Membership.objects.filter(inside)).exclude(pk=actor.pk)
    outside = Membership.objects.exclude(inside).values("user_id")
    return users.exclude(pk__in=outside).distinct().order_by("username")


@transaction.atomic
def user_password_reset(*, actor: User, user: User) -> str:
    """Give `user` a new temporary password (returned once, to show the official), end their sessions,
    lift a login lockout, require a change at the next sign-in, and audit it.

    Raises Http404 when `user` is not one the actor may reset (outsiders learn nothing).
    """
    memberships = list(Membership.objects.filter(user=user).select_related("unit"))
    if user.is_superuser or not user.is_active or user.pk == actor.pk or not memberships:
        raise Http404
    for membership in memberships:
        require(actor, Action.USERS_PASSWORD_RESET, membership.unit)
    password = temporary_password()
    user.set_password(password)  # a new password also ends every session of the user (its auth hash changes)
    user.save(update_fields=["password"])
    PasswordChangeRequired.objects.update_or_create(user=user, defaults={"set_by": actor})
    AccessAttempt.objects.filter(username=user.get_username()).delete()
    audit_record(actor=actor, action="user.password_reset", obj=user, changes={"temporary": True, "by": "official"})
    return password


def password_change_required(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and PasswordChangeRequired.objects.filter(user=user).exists()


@transaction.atomic
def password_changed(*, actor: User) -> None:
    """The user chose their own password: the temporary one is gone."""
    if PasswordChangeRequired.objects.filter(user=actor).delete()[0]:
        audit_record(actor=actor, action="user.password_change", obj=actor, changes={"after_temporary": True})


# ------------------------------------------------------------------------------------------------ two factors


def two_factor_required(user: User | AnonymousUser) -> bool:
    """Officials and superusers sign in with a second factor when the deployment turns it on."""
    if not settings.REQUIRE_2FA or not user.is_authenticated:
        return False
    return user.is_superuser or Role.OFFICIAL in user_roles(user)


def totp_device(user: User, *, confirmed: bool) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def totp_enrolment_start(*, actor: User) -> TOTPDevice:
    """The unconfirmed device the enrolment page shows as a QR code (kept across reloads of the page)."""
    return totp_device(actor, confirmed=False) or TOTPDevice.objects.create(user=actor, name=TOTP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_enrolment_confirm(*, actor: User, device: TOTPDevice, token: str) -> bool:
    """Confirm the device with a code from the app; True when the code is right. Audited."""
    if device.user_id != actor.pk or not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    audit_record(actor=actor, action="user.2fa_enrol", obj=actor, changes={"device": device.name})
    return True
