from django.http import HttpRequest

from units.selectors import user_primary_role


def navigation(request: HttpRequest) -> dict[str, object]:
    """The role that decides which menu entries the base layout shows."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"nav_role": user_primary_role(user)}
