from django.http import HttpRequest

from units.access import POLICY, Action
from units.models import WRITE_ROLES, Role
from units.selectors import primary_role, user_roles


def navigation(request: HttpRequest) -> dict[str, object]:
    """The roles that decide which menu entries the base layout shows (one query per page)."""
    user = getattr(request, "user", None)
    roles = user_roles(user) if user is not None else set()
    return {
        "nav_role": primary_role(roles),
        "nav_roles": roles,
        "nav_api_keys": bool(roles & WRITE_ROLES),
        # menu entries asked of the access policy (units.access), never a role list in a template
        "nav_cases": bool(roles & POLICY[Action.CASES_READ]),
        "nav_people": bool(roles & POLICY[Action.PEOPLE_MANAGE]),
        # enumerators' pages are kept on the device for work without signal (static/js/offline.js)
        "nav_offline": Role.ENUMERATOR in roles,
    }
