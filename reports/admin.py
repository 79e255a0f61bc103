from django.contrib import admin  # noqa: F401

import reports.estimation.admin  # noqa: F401 (registers the admin of campaigns' population sizes)
