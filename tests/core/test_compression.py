"""Issue 17: pages are sent compressed to a browser that accepts gzip (the pipeline was 101 KB of
plain HTML for 50 rows)."""

from __future__ import annotations

import gzip
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from kam.core.pagecache import STATUS_HEADER, database_generation
from tests.conftest import make_token
from tests.factories import ensure_sales_processes

pytestmark = pytest.mark.django_db


def test_a_page_is_gzipped_for_a_browser_that_accepts_it(client, world):
    client.force_login(world.east_rep)
    url = reverse("opportunities:pipeline")

    plain = client.get(url)
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert plain.status_code == packed.status_code == 200
    assert not plain.has_header("Content-Encoding")
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert len(packed.content) < len(plain.content) / 2
    html = gzip.decompress(packed.content).decode()
    assert "East furnace" in html and html.rstrip().endswith("</html>")


@pytest.fixture
def seeded(transactional_db):
    # The page cache stores nothing inside a transaction: this test commits, as a server does.
    ensure_sales_processes()


def test_the_page_cache_keeps_the_plain_body_and_each_answer_is_encoded_for_its_request(
    seeded, world, settings
):
    # The page cache sits below the compression: a compressed answer stored and served again to a
    # client that never asked for gzip would be unreadable to it.
    settings.KAM_PAGE_CACHE_SECONDS = 60
    cache.clear()
    client = Client()
    client.force_login(world.east_rep)
    client.get("/accounts/login/")  # a CSRF cookie, as a browser has one after signing in
    url = reverse("opportunities:pipeline")

    # The change marker is held where it is, as a quiet server would see it: on PostgreSQL it is the
    # server's snapshot, which a parallel test worker's commits move at any moment (the marker
    # itself is tested in test_pagecache.py; this test is about what the stored answer holds).
    held = database_generation()
    assert held is not None
    with mock.patch("kam.core.pagecache.database_generation", return_value=held):
        first = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        again_plain = client.get(url)
    assert again_plain[STATUS_HEADER] == "hit"

    assert first["Content-Encoding"] == "gzip" and first[STATUS_HEADER] == "miss"
    assert not again_plain.has_header("Content-Encoding")
    assert again_plain.content.decode() == gzip.decompress(first.content).decode()
    assert "East furnace" in again_plain.content.decode()


def test_the_api_is_not_compressed_so_its_etags_stay_strong(world):
    # A client sends the ETag back in If-Match: the compressor would weaken it to W/"1".
    token, _ = make_token(world.east_rep)
    client = Client()
    answer = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_ENCODING="gzip")
    assert answer.status_code == 200
    assert not answer.has_header("Content-Encoding")
    assert answer.json()["username"] == world.east_rep.username
