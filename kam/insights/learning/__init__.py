"""What kam learns from its own history: win probability, calibrated forecasts, approach paths."""
