"""SWOT and TOWS."""
