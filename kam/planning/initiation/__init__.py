"""Initiation."""
