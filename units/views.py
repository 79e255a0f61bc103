from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from units.models import Membership, Role
from units.selectors import units_visible_to, user_primary_role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own page."""
    role = user_primary_role(request.user)
    memberships = Membership.objects.filter(user=request.user).select_related("unit")
    context = {
        "role": role,
        "role_label": Role(role).label if role else "—",
        "units": [m.unit for m in memberships if m.role == role],
        "unit_count": units_visible_to(request.user).count(),
    }
    return render(request, f"home/{role or 'none'}.html", context)
