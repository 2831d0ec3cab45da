"""Strategy checklists."""
