"""The Django admin cannot set what the scoring writes: tier, segment and score come from the score,
an override from the score section with a reason."""

from __future__ import annotations

from django.urls import reverse


def test_admin_change_form_shows_tier_segment_and_score_read_only(client, world):
    client.force_login(world.admin)
    response = client.get(reverse("admin:customers_customer_change", args=[world.east_customer.pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    for name in ("tier", "tier_override", "computed_tier", "segment", "score"):
        assert name not in form.fields, name
    assert "category_purchases" in form.fields  # an input of the score, edited like any field
