"""Fixtures of the campaigns tests: a questionnaire row, a draft campaign of province A, Excel files."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest

from campaigns.frames import frame_import
from campaigns.models import Campaign, Channel
from campaigns.sampling import sample_draw
from campaigns.services import campaign_create, campaign_form_add, channel_window_add, quota_set
from surveys.models import Questionnaire
from units.access import SYSTEM
from units.tests.xlsx import xlsx_bytes

START = dt.date(2025, 9, 1)
END = dt.date(2025, 11, 30)


@pytest.fixture
def questionnaire(db) -> Questionnaire:
    return Questionnaire.objects.create(code="sipas", version=1, title="Phiếu SIPAS")


@pytest.fixture
def campaign(tree, alice) -> Campaign:
    """A draft campaign organised by province A."""
    return campaign_create(
        code="sipas-2025", name="Khảo sát SIPAS 2025", organiser=tree["A"], fieldwork_start=START, fieldwork_end=END, actor=alice
    )


@pytest.fixture
def ready_campaign(campaign, questionnaire, tree, alice) -> Campaign:
    """A draft campaign that may be activated: one form, a desk window and a quota for A1."""
    form = campaign_form_add(campaign=campaign, questionnaire=questionnaire, actor=alice)
    channel_window_add(campaign=campaign, channel=Channel.DESK, start=START, end=END, actor=alice)
    quota_set(campaign=campaign, unit=tree["A1"], channel=Channel.DESK, form=form, target=10, actor=alice)
    return campaign


@pytest.fixture
def drawn_campaign(ready_campaign, tree, alice):
    """The ready campaign with a phone quota for A1, a frame of 6 people and a draw."""
    form = ready_campaign.forms.get()
    channel_window_add(campaign=ready_campaign, channel=Channel.PHONE, start=START, end=END, actor=alice)
    quota_set(campaign=ready_campaign, unit=tree["A1"], channel=Channel.PHONE, form=form, target=3, actor=alice)
    frame_import(campaign=ready_campaign, source=xlsx([FRAME_HEADER, *frame_rows("A1", 6)]), actor=SYSTEM)
    sample_draw(campaign=ready_campaign, actor=SYSTEM)
    return ready_campaign


def xlsx(rows: list[list[Any]], title: str = "Danh sách") -> io.BytesIO:
    """An uploaded-file stand-in: an in-memory .xlsx whose first sheet holds `rows` (header first)."""
    return io.BytesIO(xlsx_bytes(rows, title))


FRAME_HEADER = ["họ tên", "phone", "address", "procedure", "completed_on", "unit_code"]


def frame_rows(unit_code: str, count: int, start: int = 0) -> list[list[Any]]:
    return [
        [f"Người dân {unit_code}-{i}", f"0905{i:06d}", f"Số {i} đường Trần Phú", "Cấp giấy khai sinh", "15/08/2025", unit_code]
        for i in range(start, start + count)
    ]
