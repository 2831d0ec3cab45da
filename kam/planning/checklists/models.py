"""Strategy checklists: records."""

from __future__ import annotations
