"""A person's second factor: an optional TOTP device (django-otp), its setup, and the check after
the password. Required for administrators and directors when KAM_REQUIRE_MFA is on."""
