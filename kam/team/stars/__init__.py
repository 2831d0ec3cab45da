"""Star ratings."""
