"""Playbook and certification."""
