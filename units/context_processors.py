from django.http import HttpRequest

from units.access import POLICY, Action
from units.models import WRITE_ROLES, Role
from units.selectors import primary_role, user_roles


def navigation(request: HttpRequest) -> dict[str, object]:
    """Which menu entries the base layout shows, asked of the access policy (one query per page)."""
    user = getattr(request, "user", None)
    roles = user_roles(user) if user is not None else set()
    return {
        "nav_role": primary_role(roles),
        "nav_api_keys": bool(roles & WRITE_ROLES),
        "nav_collect": Role.ENUMERATOR in roles,  # the enumerator's own quota page
        "nav_review": bool(roles & POLICY[Action.RESPONSES_REVIEW]),
        "nav_results": bool(roles & POLICY[Action.RESULTS_VIEW]),
        "nav_password_reset": bool(roles & POLICY[Action.USERS_PASSWORD_RESET]),
    }
