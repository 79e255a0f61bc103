"""Fieldwork pages (included by campaigns/urls.py)."""

from django.urls import path

from campaigns.fieldwork import views

app_name = "fieldwork"

urlpatterns = [
    path("dieu-tra/truong-hop/", views.case_list, name="case_list"),
    path("dieu-tra/truong-hop/<int:case_id>/", views.case_detail, name="case_detail"),
    path("dieu-tra/goi-tiep/", views.next_case, name="next_case"),
]
