"""Commission."""
