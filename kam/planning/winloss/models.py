"""Win/loss review: records."""

from __future__ import annotations
