"""Data collection: enumerator pages, the submission API, review, and the public online survey."""

from django.urls import path

from surveys import api

app_name = "surveys"

urlpatterns = [
    path("api/v1/responses/", api.responses_create, name="api_responses"),
]
