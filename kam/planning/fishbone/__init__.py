"""Fishbone."""
