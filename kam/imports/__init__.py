"""Bulk imports of customers, contacts and opportunities from the Excel/CSV templates."""
