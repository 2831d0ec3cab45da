"""What the pipeline tells the apps above it, without importing them.

score_inputs_changed: a write changed something a customer's score reads (an open deal's amount,
a stage, a close). Sent inside the writing transaction with `customer_ids`; the customers app
rescores (a few at once, so the change and its new tier commit together; many in the background).

health_inputs_changed: a write changed something a health rule reads (the four elements, stage,
status, owner, updated_at, the decision chain, the history of slips). Sent inside the writing
transaction with `opportunity_ids`; kam.insights recomputes their stored flags (a few at once,
many in the background).
"""

from __future__ import annotations

from django.dispatch import Signal

score_inputs_changed = Signal()
health_inputs_changed = Signal()
