from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """Evidence files go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path
