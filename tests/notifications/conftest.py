"""Fixtures borrowed from the areas whose records the reminders are about."""

from __future__ import annotations

from tests.delivery.service.conftest import open_request  # noqa: F401  # a fixture
from tests.planning.accountplans.reviews.conftest import make_plan  # noqa: F401  # a fixture
