"""Fixtures shared by the data-collection tests (the unit tree and make_user come from the root conftest)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from surveys.tests.factories_collection import make_campaign
from units.models import Role


@pytest.fixture
def setup(tree):
    """An active campaign of province A with quota cells at communes A1 and A2 (tests may override)."""
    return make_campaign(organiser=tree["A"], units=[tree["A1"], tree["A2"]])


@pytest.fixture
def enumerator(make_user, tree):
    """An enumerator of commune A1."""
    return make_user("dtv", Role.ENUMERATOR, tree["A1"])


@pytest.fixture
def fresh_cache():
    """An empty cache before and after (the online survey's rate limit counts in it)."""
    cache.clear()
    yield cache
    cache.clear()
