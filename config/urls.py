from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from units import people_views
from units import views as unit_views

admin.site.site_header = "Hài Lòng — Quản trị khảo sát"
admin.site.site_title = "Hài Lòng"
admin.site.index_title = "Cấu hình đợt khảo sát"

urlpatterns = [
    # First: the submission API is the most requested address, and Django tries patterns in order.
    path("", include("surveys.urls")),
    path("", unit_views.home, name="home"),
    path("dang-nhap/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("tai-khoan/khoa-api/", unit_views.api_tokens, name="api_tokens"),
    path("tai-khoan/doi-mat-khau/", people_views.password_change, name="account_password_change"),
    path("nguoi-dung/", people_views.people_list, name="people"),
    path("nguoi-dung/nhap/", people_views.people_upload, name="people_upload"),
    path("nguoi-dung/<int:user_id>/kich-hoat/", people_views.person_active, name="person_active"),
    path("tai-khoan/khoa-api/<int:token_id>/thu-hoi/", unit_views.api_token_revoke_confirm, name="api_token_revoke"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("campaigns.urls")),
    path("", include("campaigns.fieldwork.urls")),
    path("", include("reports.urls")),
]
