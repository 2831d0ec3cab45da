"""The customer list: every filter (one row that matches, one that does not), score range and sort,
tag chips, pagination, query counts, and the Excel export."""

from __future__ import annotations

import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from kam.customers import export, selectors
from kam.customers.models import Customer, CustomerStatus, Segment, TagKind, Tier
from kam.customers.tags import services as tags
from tests.factories import CustomerFactory, TeamFactory, UserFactory, make_opportunity

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [c.name for c in response.context["page"].object_list]


def scored(customer: Customer, score: str | None, **fields) -> Customer:
    Customer.objects.filter(pk=customer.pk).update(score=Decimal(score) if score else None, **fields)
    customer.refresh_from_db()
    return customer


@pytest.fixture
def data(world):
    """The world plus: two cement customers in the east, a sub-team of East, a three-level group."""
    north = TeamFactory(name="East North", parent=world.east)
    north_rep = UserFactory(username="north_rep", team=north)
    huaxin = CustomerFactory(
        name="Huaxin Cement", short_name="HX", owner=world.east_rep, industry="Cement", region="Hubei"
    )
    anhui = CustomerFactory(name="Anhui Conch", owner=world.east_rep2, industry="Cement", region="Anhui")
    north_mill = CustomerFactory(name="North Mill", owner=north_rep)
    group = CustomerFactory(name="Steel Group", owner=world.west_rep)
    sub = CustomerFactory(name="Steel Sub", owner=world.west_rep, parent=group)
    sub_sub = CustomerFactory(name="Steel Sub Sub", owner=world.west_rep, parent=sub)
    other_group = CustomerFactory(name="Other Group", owner=world.west_rep)
    CustomerFactory(name="Other Sub", owner=world.west_rep, parent=other_group)
    scored(huaxin, "80", tier=Tier.A, segment=Segment.KEY, status=CustomerStatus.ACTIVE)
    scored(anhui, "60", tier=Tier.B, segment=Segment.IMPORTANT, status=CustomerStatus.DORMANT)
    scored(north_mill, None)
    vip = tags.create_tag(by=world.east_rep, name="VIP", color="#aa0000")
    tags.attach_tag(huaxin, vip, by=world.east_rep)
    hot = tags.create_tag(
        by=world.director,
        name="Hot cement",
        kind=TagKind.DYNAMIC,
        rule={"industry": "Cement", "score_min": "70"},
    )
    return SimpleNamespace(
        world=world,
        north=north,
        north_rep=north_rep,
        huaxin=huaxin,
        anhui=anhui,
        north_mill=north_mill,
        group=group,
        sub=sub,
        sub_sub=sub_sub,
        other_group=other_group,
        vip=vip,
        hot=hot,
    )


# Each case: the filter, a customer it matches, one it does not.
FILTER_CASES = {
    "q": (lambda d: {"q": "conch"}, "Anhui Conch", "Huaxin Cement"),
    "short name": (lambda d: {"q": "hx"}, "Huaxin Cement", "Anhui Conch"),
    "tier": (lambda d: {"tier": "A"}, "Huaxin Cement", "Anhui Conch"),
    "segment": (lambda d: {"segment": "important"}, "Anhui Conch", "Huaxin Cement"),
    "status": (lambda d: {"status": "dormant"}, "Anhui Conch", "Huaxin Cement"),
    "static tag": (lambda d: {"tag": d.vip.pk}, "Huaxin Cement", "Anhui Conch"),
    "dynamic tag": (lambda d: {"tag": d.hot.pk}, "Huaxin Cement", "Anhui Conch"),
    "owner": (lambda d: {"owner": d.world.east_rep2.pk}, "Anhui Conch", "Huaxin Cement"),
    "team and below": (lambda d: {"team": d.world.east.pk}, "North Mill", "West Power"),
    "sub-team": (lambda d: {"team": d.north.pk}, "North Mill", "East Steel"),
    "industry": (lambda d: {"industry": "Cement"}, "Huaxin Cement", "East Steel"),
    "region": (lambda d: {"region": "Anhui"}, "Anhui Conch", "Huaxin Cement"),
    "group itself": (lambda d: {"parent": d.group.pk}, "Steel Group", "Other Group"),
    "group's grandchildren": (lambda d: {"parent": d.group.pk}, "Steel Sub Sub", "Other Sub"),
    "subsidiary's own subtree": (lambda d: {"parent": d.sub.pk}, "Steel Sub Sub", "Steel Group"),
    "score from, inclusive": (lambda d: {"score_min": "60"}, "Anhui Conch", "North Mill"),
    "score from, above": (lambda d: {"score_min": "60.01"}, "Huaxin Cement", "Anhui Conch"),
    "score to, inclusive": (lambda d: {"score_max": "80"}, "Huaxin Cement", "North Mill"),
    "score to, below": (lambda d: {"score_max": "79.99"}, "Anhui Conch", "Huaxin Cement"),
    "score range, both bounds": (
        lambda d: {"score_min": "60", "score_max": "60"},
        "Anhui Conch",
        "Huaxin Cement",
    ),
    "open pipeline": (lambda d: {"open_pipeline_min": "1000000"}, "East Steel", "Huaxin Cement"),
}


@pytest.mark.parametrize("case", FILTER_CASES.keys())
def test_each_filter_keeps_what_matches_and_drops_what_does_not(client, data, case):
    params, included, excluded = FILTER_CASES[case]
    client.force_login(data.world.director)
    response = client.get(reverse("customers:list"), params(data))
    assert response.status_code == 200
    listed = names(response)
    assert included in listed
    assert excluded not in listed
    assert response.context["filter_errors"] == []


def test_filters_combine(client, data):
    client.force_login(data.world.director)
    response = client.get(
        reverse("customers:list"), {"industry": "Cement", "score_min": "70", "tag": data.vip.pk}
    )
    assert names(response) == ["Huaxin Cement"]


def test_filters_never_show_what_the_user_may_not_see(client, data):
    client.force_login(data.world.east_rep)
    assert names(client.get(reverse("customers:list"), {"tag": data.hot.pk})) == ["Huaxin Cement"]


def test_open_pipeline_filter_counts_only_the_deals_the_user_may_see(client, world):
    """The filter compares what the column shows: another team's deal at the rep's customer neither
    shows in the column nor lets the customer pass the filter, so the filter reveals nothing."""
    customer = CustomerFactory(owner=world.east_rep, name="Shared Works")
    make_opportunity(owner=world.west_rep, customer=customer, amount=Decimal("5000000"), name="West deal")
    make_opportunity(owner=world.east_rep, customer=customer, amount=Decimal("200000"), name="Own deal")
    url = reverse("customers:list")
    client.force_login(world.east_rep)
    assert "Shared Works" not in names(client.get(url, {"open_pipeline_min": "1000000"}))
    assert "Shared Works" in names(client.get(url, {"open_pipeline_min": "200000"}))
    client.force_login(world.director)
    assert "Shared Works" in names(client.get(url, {"open_pipeline_min": "5200000"}))


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"score_min": "80", "score_max": "60"}, "Score to", "The minimum score is above the maximum."),
        ({"score_min": "abc"}, "Score from", "Enter a number."),
        ({"score_max": "101"}, "Score to", "Enter a score from 0 to 100."),
        ({"score_min": "-1"}, "Score from", "Enter a score from 0 to 100."),
        ({"score_min": "NaN"}, "Score from", "Enter a number."),
        ({"tag": "x"}, "Tag", "Enter an id (a whole number above 0)."),
        ({"tier": "Z"}, "Tier", "Unknown value “Z”"),
        ({"team": "99999999999999999999999"}, "Team", "Enter an id"),
        # A deleted tag or team (an old link): said so, not an empty list that looks like an answer.
        ({"tag": "99999"}, "Tag", "Unknown tag."),
        ({"team": "99999"}, "Team", "Unknown team."),
        ({"owner": "99999"}, "Owner", "Unknown user."),
    ],
)
def test_bad_filter_values_are_reported_and_ignored(client, data, params, field, message):
    client.force_login(data.world.director)
    response = client.get(reverse("customers:list"), params)
    assert response.status_code == 200
    errors = response.context["filter_errors"]
    assert any(label == field and message in text for label, text in errors), errors
    assert response.context["page"].paginator.count == Customer.objects.count()
    assert "this filter is ignored" in response.content.decode()


def test_a_group_the_user_cannot_see_is_reported_not_used(client, data):
    client.force_login(data.world.east_rep)
    response = client.get(reverse("customers:list"), {"parent": data.group.pk})
    assert ("Group", "Unknown customer.") in response.context["filter_errors"]
    assert response.context["page"].paginator.count > 0


def test_sort_by_score_puts_unscored_customers_last_both_ways(client, data):
    Customer.objects.exclude(pk__in=[data.huaxin.pk, data.anhui.pk]).update(score=None)
    scored(data.world.west_customer, "70")
    client.force_login(data.world.director)
    url = reverse("customers:list")
    ascending = names(client.get(url, {"sort": "score"}))
    assert ascending[:3] == ["Anhui Conch", "West Power", "Huaxin Cement"]
    descending = names(client.get(url, {"sort": "-score"}))
    assert descending[:3] == ["Huaxin Cement", "West Power", "Anhui Conch"]
    unscored = {c.name for c in Customer.objects.filter(score__isnull=True)}
    assert set(ascending[3:]) == unscored and set(descending[3:]) == unscored


def test_rows_show_the_score_and_their_static_and_dynamic_tag_chips(client, data):
    client.force_login(data.world.director)
    response = client.get(reverse("customers:list"), {"industry": "Cement"})
    rows = {c.name: c for c in response.context["page"].object_list}
    assert [t.name for t in rows["Huaxin Cement"].chips] == ["VIP", "Hot cement"]
    assert rows["Anhui Conch"].chips == []
    body = response.content.decode()
    assert "80.00" in body and "border-left: 6px solid #aa0000" in body
    assert 'title="Dynamic tag: from its filter"' in body


def test_pagination_keeps_filters_and_sort(client, world):
    for index in range(52):
        CustomerFactory(name=f"Bulk {index:03d}", owner=world.east_rep, tier=Tier.A, industry="Bulk")
    client.force_login(world.director)
    response = client.get(reverse("customers:list"), {"tier": "A", "industry": "Bulk", "sort": "-name"})
    body = response.content.decode()
    assert "?tier=A&amp;industry=Bulk&amp;sort=-name&amp;page=2" in body
    second = client.get(
        reverse("customers:list"), {"tier": "A", "industry": "Bulk", "sort": "-name", "page": 2}
    )
    assert names(second) == ["Bulk 001", "Bulk 000"]


def test_save_this_filter_is_offered_to_managers_with_the_current_filters(client, data):
    client.force_login(data.world.east_mgr)
    body = client.get(
        reverse("customers:list"), {"industry": "Cement", "score_min": "50", "q": "x"}
    ).content.decode()
    assert "Save this filter as a tag" in body
    assert reverse("customers:tag_create") + "?kind=dynamic&amp;industry=Cement&amp;score_min=50" in body
    client.force_login(data.world.east_rep)
    assert (
        b"Save this filter as a tag"
        not in client.get(reverse("customers:list"), {"industry": "Cement"}).content
    )


def test_filter_bar_offers_tags_teams_and_groups(client, data):
    client.force_login(data.world.director)
    form = client.get(reverse("customers:list")).context["filter_form"]
    tag_groups = dict(form.fields["tag"].choices[1:])
    assert [label for _pk, label in tag_groups["Static tags"]] == ["VIP"]
    assert [label for _pk, label in tag_groups["Dynamic tags"]] == ["Hot cement"]
    assert "East North" in [label for _pk, label in form.fields["team"].choices]
    groups = [label for _pk, label in form.fields["parent"].choices]
    assert "Steel Group" in groups and "Steel Sub" in groups and "Huaxin Cement" not in groups


def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_is_the_same_for_3_and_30_rows_with_tags(client, world):
    vip = tags.create_tag(by=world.east_mgr, name="VIP")
    tags.create_tag(
        by=world.director, name="Makers", kind=TagKind.DYNAMIC, rule={"industry": "Manufacturing"}
    )
    tags.create_tag(
        by=world.director,
        name="East team",
        kind=TagKind.DYNAMIC,
        rule={"team": world.east.pk, "score_max": "90"},
    )
    client.force_login(world.east_mgr)
    url = reverse("customers:list")

    def add_rows(count: int) -> None:
        for _ in range(count):
            opportunity = make_opportunity(owner=world.east_rep)
            tags.attach_tag(opportunity.customer, vip, by=world.east_rep)

    add_rows(1)
    assert Customer.objects.filter(owner__team=world.east).count() == 3
    few = count_queries(client, url)
    few_filtered = count_queries(client, url, {"tag": vip.pk, "team": world.east.pk, "sort": "-score"})
    add_rows(27)
    assert Customer.objects.filter(owner__team=world.east).count() == 30
    assert count_queries(client, url) == few
    assert (
        count_queries(client, url, {"tag": vip.pk, "team": world.east.pk, "sort": "-score"}) == few_filtered
    )
    assert few <= 20, few


# --- Export ----------------------------------------------------------------------------------------


def workbook_rows(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"] == export.XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_export_all_rows_matching_the_filter(client, data):
    make_opportunity(owner=data.world.east_rep, customer=data.huaxin, amount=Decimal("1234567.89"))
    scored(data.huaxin, "80", tier=Tier.A, segment=Segment.KEY)  # the new deal rescored it
    client.force_login(data.world.director)
    response = client.get(reverse("customers:export"), {"industry": "Cement", "sort": "-score"})
    assert response["Content-Disposition"].startswith('attachment; filename="customers-')
    assert response["Content-Disposition"].endswith('.xlsx"')
    rows = workbook_rows(response)
    assert rows[0] == export.headers()
    assert rows[0][:3] == ["Name", "Short name", "Parent group"]
    assert [row[0] for row in rows[1:]] == ["Huaxin Cement", "Anhui Conch"]
    header = rows[0]
    huaxin = dict(zip(header, rows[1], strict=True))
    assert huaxin["Open pipeline (yuan)"] == pytest.approx(1234567.89)
    assert isinstance(huaxin["Open pipeline (yuan)"], float)
    assert huaxin["Score"] == 80 and huaxin["Open opportunities"] == 1
    assert huaxin["Tags"] == "VIP, Hot cement"
    assert huaxin["Status"] == "Active" and huaxin["Segment"] == "Key"


def test_export_neutralises_cells_a_spreadsheet_would_run_as_formulas(client, world):
    CustomerFactory(
        name='=HYPERLINK("http://evil.example","click")', owner=world.east_rep, industry="+cmd|' /C calc'!A0"
    )
    client.force_login(world.east_rep)
    rows = workbook_rows(client.get(reverse("customers:export"), {"sort": "name"}))
    names_ = [row[0] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil.example","click")' in names_
    industries = [row[4] for row in rows[1:]]
    assert "'+cmd|' /C calc'!A0" in industries
    assert not any(isinstance(v, str) and v[:1] in "=+@" for row in rows[1:] for v in row)


def test_export_selected_rows_only_and_only_visible_ones(client, data):
    client.force_login(data.world.east_mgr)
    response = client.get(
        reverse("customers:export"),
        {
            "selected": "1",
            "ids": [data.huaxin.pk, data.anhui.pk, data.world.west_customer.pk],
            "industry": "Nope",
        },
    )
    assert 'filename="customers-selected-' in response["Content-Disposition"]
    rows = workbook_rows(response)
    assert sorted(row[0] for row in rows[1:]) == ["Anhui Conch", "Huaxin Cement"]


def test_export_selected_without_a_selection_goes_back_to_the_list(client, data):
    client.force_login(data.world.east_mgr)
    response = client.get(reverse("customers:export"), {"selected": "1", "tier": "A"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("customers:list") + "?tier=A"
    assert b"Tick the rows to export first." in response.content


@pytest.mark.parametrize("params", [{"tag": "99999"}, {"score_min": "abc"}])
def test_export_with_a_refused_filter_exports_nothing_and_says_why(client, data, params):
    client.force_login(data.world.director)
    response = client.get(reverse("customers:export"), params, follow=True)
    assert response.redirect_chain and response.redirect_chain[-1][0].startswith(reverse("customers:list"))
    assert "nothing was exported" in response.content.decode()
    assert response.context["filter_errors"]  # the list says which filter


def test_export_follows_visibility(client, data):
    client.force_login(data.world.east_rep)
    rows = workbook_rows(client.get(reverse("customers:export")))
    assert sorted(row[0] for row in rows[1:]) == ["East Steel", "Huaxin Cement"]


def test_export_headers_are_translated(data):
    with translation.override("zh-hans"):
        content, _name = export.customers_xlsx(data.world.director, selectors.CustomerFilters(), None)
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.title == "客户"
    assert next(sheet.iter_rows(values_only=True))[0] == "名称"


def test_export_is_capped_with_a_note(data, monkeypatch):
    monkeypatch.setattr(export, "EXPORT_LIMIT", 2)
    content, _name = export.customers_xlsx(data.world.director, selectors.CustomerFilters(), "name")
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + 2 + 1
    assert "export stops at 2 rows" in rows[-1][0]


def test_export_query_count_does_not_grow_with_rows(client, world):
    vip = tags.create_tag(by=world.east_rep, name="VIP")
    tags.create_tag(
        by=world.director, name="Makers", kind=TagKind.DYNAMIC, rule={"industry": "Manufacturing"}
    )
    client.force_login(world.east_rep)
    url = reverse("customers:export")
    for _ in range(2):
        tags.attach_tag(CustomerFactory(owner=world.east_rep), vip, by=world.east_rep)
    few = count_queries(client, url)
    for _ in range(25):
        tags.attach_tag(CustomerFactory(owner=world.east_rep), vip, by=world.east_rep)
    assert count_queries(client, url) == few
