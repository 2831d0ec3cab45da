"""Competitors."""
