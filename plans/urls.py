from django.urls import path

from plans import views

app_name = "plans"

urlpatterns = [
    path("ke-hoach/<slug:code>/", views.department, name="department"),
    path("ke-hoach/<slug:code>/quy-dinh/", views.rules_edit, name="rules"),
    path("ke-hoach/<slug:code>/don-vi/<str:unit_code>/", views.plan_page, name="plan"),
    path("ke-hoach/<slug:code>/don-vi/<str:unit_code>/bien-phap/", views.measure_add, name="measure_add"),
    path("ke-hoach/<slug:code>/don-vi/<str:unit_code>/bien-phap/<int:measure_id>/xoa/", views.measure_delete, name="measure_delete"),
    path("ke-hoach/<slug:code>/don-vi/<str:unit_code>/bien-phap/<int:measure_id>/minh-chung/", views.evidence_add, name="evidence_add"),
    path("ke-hoach/<slug:code>/don-vi/<str:unit_code>/minh-chung/<int:evidence_id>/", views.evidence_download, name="evidence"),
    path("ke-hoach/<slug:code>/don-vi/<str:unit_code>/nop/", views.plan_submit, name="submit"),
    path("ke-hoach/<slug:code>/don-vi/<str:unit_code>/duyet/", views.plan_review, name="review"),
    path("tu-khao-sat/<str:unit_code>/", views.self_surveys, name="self_surveys"),
    path("tu-khao-sat/<str:unit_code>/<int:schedule_id>/tao/", views.self_survey_make, name="self_survey_make"),
]
