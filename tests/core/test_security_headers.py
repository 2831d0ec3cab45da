"""Part of the hardening: the Content-Security-Policy and the other security headers on every page,
no inline script anywhere, and `kam check --deploy` clean for a production-like configuration."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

PROJECT_DIR = Path(__file__).resolve().parents[2]

# Not pages: POST-only actions and files streamed for download are still walked for the headers.
SKIP = {"logout", "set_language"}


def _names(patterns, namespace: str = "") -> list[str]:
    names = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names += _names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.append(namespace + entry.name)
    return names


def _pages(world) -> list[str]:
    paths = set()
    for name in _names(get_resolver().url_patterns):
        if name in SKIP or name.startswith("admin:"):
            continue
        try:
            paths.add(reverse(name))
        except NoReverseMatch:
            continue  # needs arguments
    paths |= {
        reverse("admin:index"),
        reverse("customers:detail", args=[world.east_customer.pk]),
        reverse("opportunities:detail", args=[world.east_opp.pk]),
        reverse("chain:decision_chain", args=[world.east_opp.pk]),
        reverse("chain:power_map", args=[world.east_opp.pk]),
        reverse("coverage:net", args=[world.east_customer.pk]),
        reverse("coverage:history", args=[world.east_customer.pk]),
        reverse("relationships:detail", args=[ContactFactory(customer=world.east_customer).pk]),
    }
    return sorted(paths)


def _directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


def test_every_page_carries_the_policy_and_the_other_headers_and_no_inline_script(client, world):
    client.force_login(world.admin)
    pages = _pages(world)
    assert len(pages) > 20  # the walk found the pages, not just the few named above
    checked_html = 0
    for path in pages:
        response = client.get(path)
        assert response.status_code < 500, path
        policy = _directives(response.headers.get("Content-Security-Policy", ""))
        assert policy.get("default-src") == ["'self'"], path
        assert policy.get("script-src") == ["'self'"], path  # no 'unsafe-inline', no 'unsafe-eval'
        assert policy.get("style-src") == ["'self'"], path
        assert policy.get("object-src") == ["'none'"], path
        assert policy.get("frame-ancestors") == ["'none'"], path
        assert policy.get("base-uri") == ["'self'"] and policy.get("form-action") == ["'self'"], path
        assert policy.get("img-src") == ["'self'", "data:"], path
        assert response.headers.get("X-Content-Type-Options") == "nosniff", path
        assert response.headers.get("Referrer-Policy") == "same-origin", path
        assert response.headers.get("Cross-Origin-Opener-Policy") == "same-origin", path
        assert response.headers.get("X-Frame-Options") == "DENY", path
        assert "camera=()" in response.headers.get("Permissions-Policy", ""), path
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            html = response.content.decode()
            assert not INLINE_SCRIPT.findall(html), (path, INLINE_SCRIPT.findall(html))
            assert not HANDLER.findall(html), (path, HANDLER.findall(html))
            assert "<style" not in html, path  # style-src 'self': stylesheets are files
            assert "javascript:" not in html.lower(), path
            checked_html += 1
    assert checked_html > 20


def test_the_login_page_and_an_error_page_carry_the_policy_too(client, world):
    for path, status in [(reverse("login"), 200), ("/no/such/page/", 404)]:
        response = client.get(path)
        assert response.status_code == status
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"


def test_the_api_docs_page_runs_under_the_same_policy_from_self_hosted_files(client, world):
    client.force_login(world.admin)
    response = client.get(reverse("api:openapi-view"))
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    html = response.content.decode()
    assert "cdn." not in html  # Swagger UI from ninja's own static files, not a CDN
    assert not INLINE_SCRIPT.findall(html)


def test_htmx_is_told_not_to_evaluate_or_inject_styles(client, world):
    client.force_login(world.east_rep)
    html = client.get(reverse("opportunities:pipeline")).content.decode()
    assert '"allowEval": false' in html and '"includeIndicatorStyles": false' in html


def test_check_deploy_is_clean_for_a_production_like_configuration_but_for_hsts_preload(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "kam.settings",
        "KAM_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "k" + "".join(chr(33 + (i * 37) % 90) for i in range(63)),
        "DEBUG": "0",
        "KAM_HTTPS": "1",
        "ALLOWED_HOSTS": "kam.example.com",
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy"],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    reported = set(re.findall(r"\(([a-z_.]+\.[EW]\d+)\)", output))
    assert reported == {"security.W021"}, output
