"""The portal's own error pages, in Vietnamese with the way back (Django's defaults are bare English,
and with DEBUG on its technical 404 lists every URL). 500 renders without the request's context:
whatever broke the request (the database, the session) must not break its error page too."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token


def _page(request: HttpRequest, status: int, heading: str, explanation: str) -> HttpResponse:
    # error_page: the page never repeats the address asked for (an outsider learns nothing, not even an echo).
    context = {"code": status, "heading": heading, "explanation": explanation, "error_page": True}
    return render(request, "_error.html", context, status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 400, _("Yêu cầu không hợp lệ"), _("Máy chủ không đọc được yêu cầu này. Hãy quay lại trang trước và thử lại."))


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request, 403, _("Bạn không có quyền thực hiện việc này"),
        _("Vai trò của bạn tại đơn vị này không cho phép thao tác hoặc trang này. Nếu cần, hãy đề nghị cán bộ quản lý của đơn vị cấp quyền."),
    )


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404, _("Không tìm thấy trang"), _("Trang bạn tìm không có, đã được chuyển đi, hoặc không thuộc các đơn vị của bạn."))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _page(
        request, 403, _("Phiên làm việc đã hết hạn"),
        _("Biểu mẫu đã mở quá lâu hoặc trình duyệt chặn cookie. Hãy tải lại trang rồi gửi lại; những gì đã nhập trên phiếu vẫn được giữ trên máy."),
    )


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponse(loader.get_template("500.html").render(), status=500)
