from django.urls import path

from communication import views

app_name = "communication"

urlpatterns = [
    path("truyen-thong/", views.home, name="home"),
    path("truyen-thong/viec/<int:task_id>/", views.task_detail, name="task"),
    path("truyen-thong/minh-chung/<int:item_id>/", views.evidence_download, name="evidence"),
    path("truyen-thong/<slug:code>/", views.plan_detail, name="plan"),
    path("truyen-thong/<slug:code>/hoat-dong/moi/", views.activity_edit, name="activity_add"),
    path("truyen-thong/<slug:code>/hoat-dong/<int:activity_id>/", views.activity_edit, name="activity_edit"),
    path("truyen-thong/<slug:code>/hoat-dong/<int:activity_id>/xoa/", views.activity_delete, name="activity_delete"),
    path("truyen-thong/<slug:code>/cong-van/", views.letter, name="letter"),
    path("truyen-thong/<slug:code>/cong-van.docx", views.letter_download, name="letter_download"),
]
