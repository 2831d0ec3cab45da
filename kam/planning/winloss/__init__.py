"""Win/loss review."""
