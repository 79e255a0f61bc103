from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.health import healthz
from units import account_views, people_views
from units import views as unit_views

admin.site.site_header = "Hài Lòng — Quản trị khảo sát"
admin.site.site_title = "Hài Lòng"
admin.site.index_title = "Cấu hình đợt khảo sát"

urlpatterns = [
    # First: the submission API is the most requested address, and Django tries patterns in order.
    path("", include("surveys.urls")),
    path("healthz", healthz, name="healthz"),  # for load balancers and monitors: JSON, no auth (config/health.py)
    path("", unit_views.home, name="home"),
    path("dang-nhap/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    # i11-ops: accounts (units/account_views.py)
    path("tai-khoan/doi-mat-khau/", account_views.PasswordChangeView.as_view(), name="account_password_change"),
    path("quen-mat-khau/", account_views.password_reset, name="password_reset"),
    path("quen-mat-khau/da-gui/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("quen-mat-khau/<uidb64>/<token>/", account_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("quen-mat-khau/xong/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("tai-khoan/nguoi-dung/", account_views.account_users, name="account_users"),
    path("tai-khoan/nguoi-dung/<int:user_id>/mat-khau-tam/", account_views.account_user_password_reset, name="account_user_password_reset"),
    path("tai-khoan/hai-lop/", account_views.two_factor_enrol, name="account_2fa_enrol"),
    path("tai-khoan/xac-minh/", account_views.two_factor_verify, name="account_2fa_verify"),
    path("tai-khoan/khoa-api/", unit_views.api_tokens, name="api_tokens"),
    path("tai-khoan/khoa-api/<int:token_id>/thu-hoi/", unit_views.api_token_revoke_confirm, name="api_token_revoke"),
    # issue 14: field staff accounts (units/people_views.py)
    path("nguoi-dung/", people_views.people_list, name="people"),
    path("nguoi-dung/nhap/", people_views.people_upload, name="people_upload"),
    path("nguoi-dung/<int:user_id>/kich-hoat/", people_views.person_active, name="person_active"),
    path("nhap/<int:pk>/", unit_views.import_job, name="import_job"),
    path("nhap/<int:pk>/trang-thai/", unit_views.import_job_status, name="import_job_status"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("campaigns.urls")),
    path("", include("campaigns.fieldwork.urls")),
    path("", include("campaigns.builder.urls")),
    path("", include("reports.urls")),
    path("", include("plans.urls")),
    path("", include("communication.urls")),
]

# The portal's own error pages (config/errors.py), in Vietnamese with the way back.
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
