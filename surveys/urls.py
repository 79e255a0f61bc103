"""Data collection: enumerator pages, the submission API, review, and the public online survey."""

from django.urls import path

from surveys import api, backcheck_views, views

app_name = "surveys"

urlpatterns = [
    path("api/v1/responses/", api.responses_create, name="api_responses"),
    path("thu-thap/nhap/<int:quota_id>/", views.entry_form, name="entry_form"),
    path("thu-thap/gui-lai/<uuid:key>/", views.resubmit_form, name="resubmit_form"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("ngoai-tuyen/", views.offline, name="offline"),
    path("giam-sat/phieu/", views.review_list, name="review_list"),
    path("giam-sat/phieu/<uuid:key>/", views.review_detail, name="review_detail"),
    # issue 15: back-checks (phúc tra)
    path("giam-sat/phuc-tra/", backcheck_views.backcheck_campaigns, name="backcheck_campaigns"),
    path("giam-sat/phuc-tra/<slug:code>/", backcheck_views.backcheck_list, name="backcheck_list"),
    path("giam-sat/phuc-tra/phieu/<int:backcheck_id>/", backcheck_views.backcheck_detail, name="backcheck_detail"),
    path("khao-sat/<uuid:public_key>/tra-loi/", views.online_survey, name="online_survey"),
    path("khao-sat/<uuid:public_key>/tra-loi/gui/", views.online_submit, name="online_submit"),
    path("khao-sat/<uuid:public_key>/cam-on/", views.online_thanks, name="online_thanks"),
]
