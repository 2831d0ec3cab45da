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


def test_saving_category_purchases_in_the_admin_rescores_the_customer(client, world):
    from decimal import Decimal

    from kam.customers.models import CustomerScore
    from kam.opportunities import services as opportunity_services
    from tests.factories import make_opportunity

    customer = world.east_customer
    deal = make_opportunity(owner=world.east_rep, customer=customer, amount=Decimal("400000"), name="Won")
    opportunity_services.close_opportunity(deal, by=world.east_rep, status="won", reason="Signed")
    before = CustomerScore.objects.get(customer=customer).total
    client.force_login(world.admin)
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"category_purchases": "500000", "parent": "", "owner": customer.owner_id})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    # 80 % share of wallet: 100 points × 10 % more than no data.
    assert CustomerScore.objects.get(customer=customer).total == before + Decimal("10.00")
