"""Erasure on request (PIPL, GDPR): a contact's personal data replaced by a marker, their place kept."""
