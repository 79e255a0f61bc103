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
        # the enumerator's day of work (call list, quotas); their pages are also kept on the device for
        # work without signal (static/js/offline.js)
        "nav_collect": Role.ENUMERATOR in roles,
        "nav_review": bool(roles & POLICY[Action.RESPONSES_REVIEW]),
        "nav_results": bool(roles & POLICY[Action.RESULTS_VIEW]),
        "nav_backchecks": bool(roles & POLICY[Action.BACKCHECKS_RECORD]),
        "nav_cases": bool(roles & POLICY[Action.CASES_READ]),
        "nav_campaigns": bool(roles & POLICY[Action.CAMPAIGN_CONFIGURE]),
        "nav_comms": bool(roles & POLICY[Action.COMMS_REPORT]),
        "nav_people": bool(roles & POLICY[Action.PEOPLE_MANAGE]),
        "nav_password_reset": bool(roles & POLICY[Action.USERS_PASSWORD_RESET]),
    }
