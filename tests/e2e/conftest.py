"""Real-browser tests: the fixtures (`browser`, `page`) and `login` live in tests/browser.py, a
plugin of the whole suite, so browser tests elsewhere share the same browser."""

from tests.browser import login  # noqa: F401  (the e2e tests import it from here)
