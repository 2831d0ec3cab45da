"""What the relationships app tells the apps above it, without importing them.

contacts_changed: a write changed something about contacts that the layers above read about
them in decision chains (a relationship level, a contact's name). Sent inside the writing
transaction with `contact_ids`; kam.insights recomputes the health flags of the open
opportunities whose decision chain holds them.
"""

from __future__ import annotations

from django.dispatch import Signal

contacts_changed = Signal()
