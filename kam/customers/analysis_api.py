"""Placeholder router, mounted at /api/v1/ by kam.api."""

from ninja import Router

router = Router(tags=["customers"])
