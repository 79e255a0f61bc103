from django.urls import path

from campaigns import views
from campaigns.calculator import calculator

app_name = "campaigns"

urlpatterns = [
    path("khao-sat/<uuid:public_key>/", views.notice, name="notice"),
    path("khao-sat/<uuid:public_key>/ap-phich/", views.poster, name="poster"),
    path("cong-cu/co-mau/", calculator, name="sample_size"),
]
