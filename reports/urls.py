from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("bao-cao/", views.campaign_list, name="campaign_list"),
    path("bao-cao/<slug:code>/", views.dashboard, name="dashboard"),
    path("bao-cao/<slug:code>/don-vi/<str:unit_code>/", views.unit_results, name="unit"),
    path("bao-cao/<slug:code>/van-ban/", views.report_document, name="report_document"),
    path("bao-cao/<slug:code>/don-vi/<str:unit_code>/van-ban/", views.unit_report_document, name="unit_report_document"),
    path("bao-cao/<slug:code>/xuat/", views.export_create, name="export_create"),
    path("bao-cao/<slug:code>/tinh-lai/", views.recompute_now, name="recompute_now"),
    path("bao-cao/<slug:code>/tinh-lai/trang-thai/", views.recompute_status, name="recompute_status"),
    path("bao-cao/<slug:code>/cong-bo/", views.publish, name="publish"),
    path("xuat/<int:pk>/", views.export_detail, name="export_detail"),
    path("xuat/<int:pk>/trang-thai/", views.export_status, name="export_status"),
    path("xuat/<int:pk>/tai-ve/", views.export_download, name="export_download"),
    path("xuat/<int:pk>/thu-lai/", views.export_retry, name="export_retry"),
    path("ket-qua/", views.public_list, name="public_list"),
    path("ket-qua/<slug:code>/", views.public_results, name="public_results"),
    path("ket-qua/<slug:code>/v<int:version>/", views.public_results, name="public_version"),
    path("ket-qua/<slug:code>/v<int:version>/bao-cao.xlsx", views.public_download, name="public_download"),
    path("ket-qua/<slug:code>/v<int:version>/so-lieu.json", views.public_figures, name="public_figures"),
    path("ket-qua/<slug:code>/v<int:version>/bao-cao.docx", views.public_document, name="public_document"),
    path("ket-qua/<slug:code>/v<int:version>/bao-cao.pdf", views.public_document_pdf, name="public_document_pdf"),
]
