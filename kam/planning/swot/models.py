"""SWOT and TOWS: records."""

from __future__ import annotations
