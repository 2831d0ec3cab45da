"""Skills and training."""
