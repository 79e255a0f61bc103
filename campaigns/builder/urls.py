"""The campaign builder's pages (included by config/urls.py)."""

from django.urls import path

from campaigns.builder import fieldwork_views, quota_views, views

app_name = "builder"

urlpatterns = [
    path("dot-khao-sat/", views.campaign_list, name="list"),
    path("dot-khao-sat/tao-moi/", views.campaign_new, name="new"),
    path("dot-khao-sat/<str:code>/thiet-lap/thong-tin/", views.info, name="info"),
    path("dot-khao-sat/<str:code>/thiet-lap/phieu/", views.questionnaires, name="forms"),
    path("dot-khao-sat/<str:code>/thiet-lap/kenh/", views.windows, name="windows"),
    path("dot-khao-sat/<str:code>/thiet-lap/kenh/<int:window_id>/xoa/", views.window_delete, name="window_delete"),
    path("dot-khao-sat/<str:code>/thiet-lap/co-mau/", quota_views.quotas, name="quotas"),
    path("dot-khao-sat/<str:code>/thiet-lap/khung-mau/", fieldwork_views.frame, name="frame"),
    path("dot-khao-sat/<str:code>/thiet-lap/khung-mau/tep-mau.xlsx", fieldwork_views.frame_template, name="frame_template"),
    path("dot-khao-sat/<str:code>/thiet-lap/dieu-tra-vien/", fieldwork_views.enumerators, name="enumerators"),
    path("dot-khao-sat/<str:code>/thiet-lap/rut-mau/", fieldwork_views.draw, name="draw"),
    path("dot-khao-sat/<str:code>/thiet-lap/kiem-tra/", views.check, name="check"),
]
