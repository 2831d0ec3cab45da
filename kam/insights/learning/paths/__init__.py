"""Approach paths."""
