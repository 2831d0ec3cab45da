"""Calibrated forecast."""
