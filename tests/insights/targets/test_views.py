"""The targets pages: set, edit, upload, template and delete from the page; a rep may not post."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from kam.org.models import Target
from tests.insights.targets.conftest import HEADER, xlsx

pytestmark = pytest.mark.django_db


def test_targets_pages(client, world):
    client.force_login(world.east_mgr)
    response = client.post(
        "/insights/targets/", {"team": world.east.pk, "quarter": "2027 Q3", "amount": "300"}
    )
    assert response.status_code == 302
    target = Target.objects.get()
    assert target.period_end == dt.date(2027, 9, 30)
    assert client.get("/insights/targets/").status_code == 200
    response = client.post(
        f"/insights/targets/{target.pk}/edit/", {"team": world.east.pk, "quarter": "2027 Q3", "amount": "400"}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.amount == Decimal("400.00")
    bad = client.post("/insights/targets/", {"team": world.east.pk, "quarter": "2027 Q9", "amount": "1"})
    assert bad.status_code == 200 and "Write a quarter" in bad.content.decode()
    bad_file = io.BytesIO(xlsx([HEADER, ["nobody", "", "2027 Q3", "", 1]]))
    bad_file.name = "targets.xlsx"
    upload = client.post("/insights/targets/upload/", {"file": bad_file, "on_duplicate": "refuse"})
    assert upload.status_code == 422
    assert "Unknown person" in upload.content.decode() and Target.objects.count() == 1
    good_file = io.BytesIO(xlsx([HEADER, ["east_rep", "", "2027 Q3", "", 1]]))
    good_file.name = "targets.xlsx"
    assert (
        client.post("/insights/targets/upload/", {"file": good_file, "on_duplicate": "refuse"}).status_code
        == 302
    )
    Target.objects.filter(user__isnull=False).delete()
    assert client.get("/insights/targets/template.xlsx").status_code == 200
    assert client.post(f"/insights/targets/{target.pk}/delete/").status_code == 302
    assert not Target.objects.exists()


def test_rep_cannot_post_targets_page(client, world):
    client.force_login(world.east_rep)
    assert (
        client.post(
            "/insights/targets/", {"team": world.east.pk, "quarter": "2027 Q3", "amount": "1"}
        ).status_code
        == 403
    )
    assert client.get("/insights/targets/upload/").status_code == 403
