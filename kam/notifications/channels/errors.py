"""The one failure a sender reports: its text is what the delivery log shows."""

from __future__ import annotations


class SendError(Exception):
    """A message was not accepted (transport error, non-2xx answer, an error code in the answer)."""
