"""The audit trail across kam: every change logged by django-auditlog, and the page that reads it.

It reads every app's records, so it sits above customers in the layers (below the composition root).
"""
