"""Learned win probability."""
