"""The API client helpers live in tests/conftest.py, where every area's API tests reach them (the
`api_as` fixture with them); still importable from here for the tests of the API as a whole."""

from tests.conftest import ApiClient, make_token

__all__ = ["ApiClient", "make_token"]
