from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from units.forms import ApiTokenForm
from units.import_jobs import import_status
from units.models import ImportJob, Membership, Role
from units.selectors import api_tokens_of, units_visible_to, user_may_hold_api_keys, user_primary_role
from units.services import ApiTokenRuleError, api_token_create, api_token_revoke


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


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The user's own API keys and a form for a new one; a new key is shown in this response only."""
    may_create = user_may_hold_api_keys(request.user)
    if request.method == "POST" and not may_create:
        raise PermissionDenied
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw_key = api_token_create(
                user=request.user, name=form.cleaned_data["name"], expires_at=form.cleaned_data["expires_at"], actor=request.user
            )
        except ApiTokenRuleError as problem:
            form.add_error(None, problem)
        else:
            return render(request, "units/api_token_created.html", {"token": token, "raw_key": raw_key})
    context = {"form": form, "tokens": api_tokens_of(request.user), "may_create": may_create}
    return render(request, "units/api_tokens.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def api_token_revoke_confirm(request: HttpRequest, token_id: int) -> HttpResponse:
    """Asks before revoking one of the user's own keys (GET), revokes it (POST); another user's key is a 404."""
    token = get_object_or_404(api_tokens_of(request.user), pk=token_id)
    if request.method == "POST":
        if api_token_revoke(token=token, actor=request.user):
            messages.success(request, _("Đã thu hồi khoá «%(name)s». Phần mềm dùng khoá này sẽ bị từ chối từ lần gọi tiếp theo.") % {"name": token.name})
        return redirect("api_tokens")
    return render(request, "units/api_token_revoke.html", {"token": token})


def _own_import(request: HttpRequest, pk: int) -> ImportJob:
    """The user's own import job; anyone else's is a 404."""
    return get_object_or_404(ImportJob, pk=pk, requested_by=request.user)


@login_required
@require_GET
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A large import running on a worker: its progress, then its summary or its row-numbered errors."""
    job = _own_import(request, pk)
    return render(request, "units/import_job.html", {"job": job, "status": import_status(job)})


@never_cache
@login_required
@require_GET
def import_job_status(request: HttpRequest, pk: int) -> JsonResponse:
    """The small JSON the progress bar polls (static/js/import_progress.js)."""
    return JsonResponse(import_status(_own_import(request, pk)))
