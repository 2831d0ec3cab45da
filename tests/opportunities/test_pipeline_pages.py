"""Pipeline pages by cursor (keyset): every sort both ways, NULLs last, ties by id, across pages and
back; what a page costs in queries; which index the database walks; counts that stop at a limit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.core.keyset import Cursor, CursorError, Position, SortKey, decode_cursor, encode_cursor
from kam.customers.services import update_customer
from kam.opportunities import selectors, views
from kam.opportunities.models import Opportunity, Stage
from kam.opportunities.selectors import PipelineFilters, pipeline_page, sort_pipeline
from kam.opportunities.services import remove_member, set_member
from kam.org.visibility import managed_team_ids
from tests.factories import CustomerFactory, make_opportunity

pytestmark = pytest.mark.django_db

OPEN = PipelineFilters(status="open")
SORTS = [sort for key in selectors.SORTS for sort in (key, f"-{key}")]


@pytest.fixture
def deals(world):
    """Besides the world's three: ties on every sort column, rows without an amount or sign date,
    a range whose middle equals a single amount, a second customer of the same name, deals of
    another rep one of which the east rep is on the deal team of, and stored severities."""
    rep, other = world.east_rep, world.west_rep
    alpha, alpha_too = CustomerFactory(name="Alpha", owner=rep), CustomerFactory(name="Alpha", owner=rep)
    rows = [
        (rep, alpha, "P1", Decimal("500000"), None, None, dt.date(2027, 6, 30)),
        (rep, alpha_too, "P1", Decimal("500000"), None, None, dt.date(2027, 6, 30)),
        (rep, alpha, "P2", None, Decimal("100000"), Decimal("300000"), dt.date(2027, 3, 31)),
        (rep, alpha_too, "P3", Decimal("200000"), None, None, None),
        (rep, alpha, "P0", None, None, None, dt.date(2027, 9, 30)),
        (rep, alpha_too, "P2", None, None, None, None),
        (rep, alpha, "P4", Decimal("1500.50"), None, None, dt.date(2026, 12, 31)),
        (other, world.west_customer, "P1", Decimal("500000"), None, None, None),
        (other, world.west_customer, "P0", None, None, None, dt.date(2027, 6, 30)),
    ]
    made = []
    for i, (owner, customer, stage, amount, low, high, sign) in enumerate(rows):
        made.append(
            make_opportunity(
                owner=owner,
                customer=customer,
                stage_code=stage,
                name=f"Deal {'AB'[i % 2]}",
                amount=amount,
                amount_low=low,
                amount_high=high,
                sign_date=sign,
            )
        )
    set_member(made[7], rep, by=other, role="member")
    for opportunity, rank in zip(made, [3, 0, 2, 3, 0, 1, 2, 3, 0], strict=True):
        Opportunity.objects.filter(pk=opportunity.pk).update(health_rank=rank)
    world.deals = made
    return world


def _walk(user, sort, limit, filters=OPEN):
    """Every page forward from the first, then every page back from the last."""
    forward, cursor = [], None
    while True:
        page = pipeline_page(user, filters, sort, cursor=cursor, limit=limit)
        forward.append([o.pk for o in page.rows])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
        assert len(forward) < 50, "the pages never end"
    backward, cursor = [forward[-1]], page.previous_cursor
    while cursor is not None:
        page = pipeline_page(user, filters, sort, cursor=cursor, limit=limit)
        backward.append([o.pk for o in page.rows])
        cursor = page.previous_cursor
    return forward, backward[::-1]


def _ordered(user, sort, filters=OPEN):
    """The whole list in one ORDER BY (NULLs last, ties by id): what the pages must add up to."""
    qs, _sort = sort_pipeline(selectors.apply_filters(selectors.scoped_opportunities(user), filters), sort)
    return list(qs.values_list("pk", flat=True))


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("viewer", ["director", "east_mgr", "east_rep"])
def test_pages_of_every_sort_add_up_to_the_whole_order_both_ways(deals, sort, viewer):
    user = getattr(deals, viewer)
    forward, backward = _walk(user, sort, limit=3)
    expected = _ordered(user, sort)
    assert [pk for page in forward for pk in page] == expected
    assert all(len(page) == 3 for page in forward[:-1])
    # Back from the last page gives the same pages (the first one whole).
    assert backward == forward


def test_amount_sort_puts_deals_without_an_amount_last_both_ways_and_breaks_ties_by_id(deals):
    made = deals.deals
    forward, _back = _walk(deals.east_rep, "-amount", limit=2)
    order = [pk for page in forward for pk in page]
    no_amount = sorted([made[4].pk, made[5].pk], reverse=True)
    assert order[-2:] == no_amount
    assert order[0] == deals.east_opp.pk  # 1,000,000
    # 500,000 three times (one a deal-team deal of another rep): the newest id first when descending.
    assert order[1:4] == sorted([made[0].pk, made[1].pk, made[7].pk], reverse=True)
    ascending = [pk for page in _walk(deals.east_rep, "amount", limit=2)[0] for pk in page]
    assert ascending[0] == made[6].pk  # 1,500.50
    assert ascending[-2:] == sorted(no_amount)
    # The 100,000–300,000 range sorts at its middle, tied with the single 200,000 (ids ascending).
    middle = ascending.index(made[2].pk)
    assert ascending[middle + 1] == made[3].pk


def test_rep_pages_hold_only_the_deals_the_rep_may_see(deals):
    forward, _back = _walk(deals.east_rep, "-updated", limit=2)
    seen = {pk for page in forward for pk in page}
    assert deals.deals[-2].pk in seen  # another rep's, with the east rep on its deal team
    assert deals.deals[-1].pk not in seen  # another rep's, not on its team
    assert deals.west_opp.pk not in seen


def test_manager_pages_hold_the_team_and_the_managers_own_deal_teams_only(deals):
    set_member(deals.deals[-1], deals.east_mgr, by=deals.deals[-1].owner, role="member")
    forward, _back = _walk(deals.east_mgr, "-amount", limit=2)
    seen = {pk for page in forward for pk in page}
    team = set(
        Opportunity.objects.filter(owner__team=deals.east_rep.team, status="open").values_list(
            "pk", flat=True
        )
    )
    assert seen == team | {deals.deals[-1].pk}
    assert deals.west_opp.pk not in seen and deals.deals[-2].pk not in seen


def test_pages_keep_the_filters(deals):
    filters = PipelineFilters(status="open", stage=deals.deals[0].stage_id)
    forward, _back = _walk(deals.director, "amount", limit=1, filters=filters)
    assert [pk for page in forward for pk in page] == _ordered(deals.director, "amount", filters)
    assert {Opportunity.objects.get(pk=pk).stage_id for page in forward for pk in page} == {filters.stage}


def test_a_cursor_past_the_last_row_gives_an_empty_page_with_the_way_back(deals):
    first = pipeline_page(deals.director, OPEN, "-updated", limit=100)
    assert first.next_cursor is None
    last = pipeline_page(deals.director, OPEN, "-updated", limit=len(first.rows) - 1)
    Opportunity.objects.filter(pk=first.rows[-1].pk).update(status="won")  # gone from the open list
    beyond = pipeline_page(deals.director, OPEN, "-updated", cursor=last.next_cursor, limit=5)
    assert beyond.rows == [] and beyond.next_cursor is None
    back = pipeline_page(deals.director, OPEN, "-updated", cursor=beyond.previous_cursor, limit=5)
    # The five rows before the last one the earlier page showed.
    assert [o.pk for o in back.rows] == [o.pk for o in first.rows[-7:-2]]


def test_a_cursor_of_another_sort_or_filter_or_garbled_is_refused(deals):
    page = pipeline_page(deals.director, OPEN, "-amount", limit=2)
    for sort, filters in [("amount", OPEN), ("-amount", PipelineFilters(status="won"))]:
        with pytest.raises(CursorError, match="another sort or other filters"):
            pipeline_page(deals.director, filters, sort, cursor=page.next_cursor, limit=2)
    for garbled in ["x", page.next_cursor[:-3], "W10=", "eyJhIjoxfQ"]:
        with pytest.raises(CursorError, match="not one the list gave out"):
            pipeline_page(deals.director, OPEN, "-amount", cursor=garbled, limit=2)


def test_a_cursor_value_of_the_wrong_kind_is_refused():
    date_key = SortKey("sign_date", "date", nullable=True)
    token = encode_cursor(Cursor(Position("yesterday", 5), forward=True), "scope")
    with pytest.raises(CursorError):
        decode_cursor(token, date_key, "scope")
    token = encode_cursor(Cursor(Position(None, 5), forward=True), "scope")
    assert decode_cursor(token, date_key, "scope").position.value is None
    with pytest.raises(CursorError):
        decode_cursor(token, SortKey("name", "text"), "scope")  # a name is never null


def test_deals_keep_their_customers_name_through_a_rename_and_sort_by_it(deals):
    alpha = deals.deals[0].customer
    assert set(Opportunity.objects.filter(customer=alpha).values_list("customer_name", flat=True)) == {
        "Alpha"
    }
    before = _ordered(deals.director, "customer")
    update_customer(alpha, by=deals.director, version=alpha.version, name="zzz works")
    assert set(Opportunity.objects.filter(customer=alpha).values_list("customer_name", flat=True)) == {
        "zzz works"
    }
    after = _ordered(deals.director, "customer")
    moved = set(Opportunity.objects.filter(customer=alpha, status="open").values_list("pk", flat=True))
    assert sorted(after) == sorted(before) and after != before
    # It sorts after every other customer of these deals: its deals close the list, by id.
    assert set(after[-len(moved) :]) == moved
    forward, _back = _walk(deals.director, "customer", limit=3)
    assert [pk for page in forward for pk in page] == after


# --- queries ----------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["director", "east_mgr", "east_rep"])
def test_a_page_is_its_ids_then_its_rows_then_their_decision_chains(deals, viewer, django_assert_num_queries):
    user = getattr(deals, viewer)
    managed_team_ids(user)  # a manager's teams: read once per request, kept on the user
    queries = 3
    with django_assert_num_queries(queries):
        first = pipeline_page(user, OPEN, "-updated", limit=2)
    with django_assert_num_queries(queries):
        later = pipeline_page(user, OPEN, "-updated", cursor=first.next_cursor, limit=2)
    with django_assert_num_queries(queries):
        back = pipeline_page(user, OPEN, "-updated", cursor=later.previous_cursor, limit=2)
    assert back.rows == first.rows
    with django_assert_num_queries(0):  # joined and prefetched with the page
        assert all(o.customer.name and o.owner.username and o.stage.code for o in later.rows)
        assert all(isinstance(o.key_contacts, list) for o in later.rows)


@pytest.mark.parametrize("viewer", ["director", "east_rep"])
def test_only_a_page_walked_stage_by_stage_reads_the_stages(deals, viewer):
    """PostgreSQL walks a director's stage sort one stage at a time (the stages read first); a
    rep's page reads their two parts instead, so it reads no stage list it would not use."""
    with CaptureQueriesContext(connection) as captured:
        page = pipeline_page(getattr(deals, viewer), OPEN, "stage", limit=3)
    assert len(page.rows) == 3
    stage_table = f'FROM "{Stage._meta.db_table}"'
    reads = sum(stage_table in q["sql"] for q in captured.captured_queries)
    assert reads == (1 if viewer == "director" and connection.vendor == "postgresql" else 0)


def test_a_page_spanning_deals_with_and_without_an_amount_reads_both_parts(deals, django_assert_num_queries):
    user = deals.east_rep
    # The rep sees 9 deals, 2 without an amount: a page of 8 reads the 7 with one, then 1 without.
    with django_assert_num_queries(4):
        page = pipeline_page(user, OPEN, "-amount", limit=8)
    assert [o.pk for o in page.rows][-1] == max(deals.deals[4].pk, deals.deals[5].pk)


def _count(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("viewer", ["director", "east_rep"])
def test_api_first_and_later_pages_cost_the_same_queries(client, deals, viewer):
    client.force_login(getattr(deals, viewer))
    url = "/api/v1/opportunities"
    params = {"status": "open", "sort": "-amount", "limit": 2}
    client.get(url, params)  # sessions and per-process caches settled
    first_count, first = _count(client, url, params)
    later_count, later = _count(client, url, {**params, "cursor": first.json()["next_cursor"]})
    # Session and user, totals, the page's three (pinned above), decision-chain requirements and
    # the health flags of the page's rows.
    assert later_count == first_count <= 15
    assert later.json()["previous_cursor"] and len(later.json()["items"]) == 2


@pytest.mark.parametrize("viewer", ["director", "east_rep"])
def test_pipeline_page_first_and_later_pages_cost_the_same_queries(client, deals, viewer, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client.force_login(getattr(deals, viewer))
    url = reverse("opportunities:pipeline")
    client.get(url)
    first_count, first = _count(client, url, {"sort": "-amount"})
    assert first.context["page"].next_cursor
    later_count, later = _count(client, url, {"sort": "-amount", "cursor": first.context["page"].next_cursor})
    assert later_count == first_count <= 20
    assert len(later.context["rows"]) == 2


# --- query plans --------------------------------------------------------------------------------


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return " | ".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's EXPLAIN QUERY PLAN")
@pytest.mark.parametrize(
    ("sort", "index"),
    [
        ("-updated", "opportunity_updated_idx"),
        ("updated", "opportunity_updated_idx"),
        ("-amount", "opportunity_amount_idx"),
        ("amount", "opportunity_amount_idx"),
        ("name", "opportunity_name_idx"),
        ("-number", "opportunity_number_idx"),
        ("customer", "opportunity_customer_name_idx"),
        ("-customer", "opportunity_customer_name_idx"),
    ],
)
def test_sqlite_walks_the_sort_index_instead_of_sorting_the_open_rows(deals, sort, index):
    def ids_query(cursor=None):
        with CaptureQueriesContext(connection) as ctx:
            page = pipeline_page(deals.director, OPEN, sort, cursor=cursor, limit=2)
        return ctx.captured_queries[0]["sql"], page

    first_sql, first = ids_query()
    later_sql, _later = ids_query(first.next_cursor)
    for sql in (first_sql, later_sql):
        plan = _plan(sql)
        assert f"USING INDEX {index}" in plan or f"USING COVERING INDEX {index}" in plan, plan
        assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's EXPLAIN QUERY PLAN")
@pytest.mark.parametrize("sort", ["-amount", "amount", "-updated", "sign_date", "-severity", "in_stage"])
def test_a_reps_own_deals_are_read_from_the_owner_sort_index_alone(deals, sort):
    """The part of a rep's page that reads their own deals is a range of opportunity_owner_sort_idx
    (owner, status, then the sort's value): every column it needs is in the index (a covering
    read, no table row per deal: 2,500 open deals per rep at a million), except the stored
    expected amount, which SQLite reads from the row (it does not take a generated column
    from an index)."""
    with CaptureQueriesContext(connection) as ctx:
        pipeline_page(deals.east_rep, OPEN, sort, limit=2)
    walk = next(q["sql"] for q in ctx.captured_queries if " UNION " in q["sql"])
    own = walk.split(" UNION ", 1)[0]
    assert f'"owner_id" = {deals.east_rep.pk}' in own, own
    plan = _plan(walk)
    covering = "amount" not in sort
    assert (
        f"USING {'COVERING ' if covering else ''}INDEX opportunity_owner_sort_idx (owner_id=? AND status=?"
        in plan
    ), plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's row comparison in an index range")
@pytest.mark.parametrize(
    ("sort", "index", "row"),
    [
        ("-severity", "opportunity_health_idx", "ROW(health_rank, id) < ROW("),
        ("severity", "opportunity_health_idx", "ROW(health_rank, id) > ROW("),
        ("customer", "opportunity_customer_name_idx", "ROW(customer_name, customer_id, id) > ROW("),
    ],
)
def test_postgresql_starts_a_later_page_at_its_position_in_the_index(deals, sort, index, row):
    """A later page's rows are those past (value, id) as one row comparison, which PostgreSQL
    takes as the start of its index range: past rows sharing the cursor's value are not read and
    dropped one by one (by severity, four values, a 100th page read 18,000 index entries)."""
    first = pipeline_page(deals.director, OPEN, sort, limit=2)
    with CaptureQueriesContext(connection) as ctx:
        later = pipeline_page(deals.director, OPEN, sort, cursor=first.next_cursor, limit=2)
    sql = ctx.captured_queries[0]["sql"]
    with connection.cursor() as cursor:
        # The planner would sort these few rows; the plan it takes at a million is the index's.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert f" using {index} " in plan, plan
    condition = next(line for line in plan.splitlines() if "Index Cond" in line)
    assert row in condition, plan
    walked = [o.pk for o in first.rows] + [o.pk for o in later.rows]
    assert walked == _ordered(deals.director, sort)[:4]


@pytest.mark.parametrize("sort", ["-amount", "name", "customer"])
def test_a_reps_page_is_the_union_of_their_own_deals_and_their_deal_team_deals_with_sort_values(deals, sort):
    """A rep's page reads its ids and sort values as the UNION of two parts, their own deals (by
    owner and status: the owner index) and their deal-team deals (PostgreSQL: the deals' copies
    of their teams, `deal_team`, through its GIN index; SQLite: by primary key, from their
    deal-team rows on deals they do not own), and orders that: no gathering of every id they ever
    owned, each then read again for its status and sort value. (At a million deals the planner
    reads the first part from opportunity_owner_sort_idx; on this little data it may prefer a
    sort index.)"""
    with CaptureQueriesContext(connection) as ctx:
        page = pipeline_page(deals.east_rep, OPEN, sort, limit=2)
    rep = deals.east_rep.pk
    sql = ctx.captured_queries[0]["sql"]
    assert " UNION " in sql and "ORDER BY" in sql.rsplit("UNION", 1)[1], sql
    own, team = sql.split(" UNION ", 1)
    assert f'"owner_id" = {rep}' in own and '"status" = ' in own, own
    assert "opportunitymember" not in own and "deal_team" not in own
    assert f'"opportunities_opportunity"."owner_id" = {rep}' not in team
    assert '"status" = ' in team, team
    if connection.vendor == "postgresql":
        # One statement: no list of ids read first, no member rows; the GIN index serves it.
        assert "opportunitymember" not in team and f"\"deal_team\" @> '[{rep}]'" in team, team
        with connection.cursor() as cursor:
            indexes = connection.introspection.get_constraints(cursor, Opportunity._meta.db_table)
        assert indexes["opportunity_deal_team_gin"]["columns"] == ["deal_team"]
        assert indexes["opportunity_open_deal_team_gin"]["columns"] == ["deal_team"]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_indexdef('opportunity_open_deal_team_gin'::regclass)",
            )
            (definition,) = cursor.fetchone()
        assert "WHERE" in definition and "'open'" in definition, definition
    else:
        # The team part leaves out the rep's own deals (they lead each one's team) by the
        # deal-team row's own flag, not by reading each deal's owner.
        assert "opportunitymember" in team and f'"user_id" = {rep}' in team and '"is_owner"' in team, team
        assert team.count("SELECT") == 2, team  # the part and its member rows: no read of the deals
    assert [o.pk for o in page.rows] == _ordered(deals.east_rep, sort)[:2]


# --- counts -------------------------------------------------------------------------------------


def test_a_filter_the_rollup_cannot_total_stops_counting_past_the_limit(deals, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 3)
    text = PipelineFilters(status="open", q="Deal")  # text: not in the rollup's dimensions
    totals = selectors.pipeline_totals(deals.director, text)
    assert totals == {"count": 3, "amount": None, "weighted": None, "count_is_lower_bound": True}
    exact = selectors.pipeline_totals(deals.director, text, exact=True)
    assert exact["count"] == 9 and not exact["count_is_lower_bound"]
    # Within the limit the live figures are whole; the rollup's are exact at any size.
    assert selectors.pipeline_totals(deals.west_rep, text)["count"] == 2
    rollup = selectors.pipeline_totals(deals.director, OPEN)
    assert rollup["count"] == 12 and not rollup["count_is_lower_bound"]


def test_api_and_page_say_more_than_the_limit(client, deals, monkeypatch, settings):
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 3)
    client.force_login(deals.director)
    body = client.get("/api/v1/opportunities", {"q": "Deal", "limit": 2}).json()
    assert body["count"] == 3 and body["count_is_lower_bound"] is True
    assert body["totals"]["amount"] is None and len(body["items"]) == 2 and body["next_cursor"]
    exact = client.get("/api/v1/opportunities", {"status": "open"}).json()
    assert exact["count"] == 12 and exact["count_is_lower_bound"] is False
    page = client.get(reverse("opportunities:pipeline"), {"q": "Deal"}).content.decode()
    assert "more than 3 opportunities" in page
    assert "Total (all matching rows)" not in page
    settings.LANGUAGE_CODE = "zh-hans"
    chinese = client.get(reverse("opportunities:pipeline"), {"q": "Deal"}).content.decode()
    assert "超过 3 个销售项目" in chinese


def test_a_reps_pages_follow_their_deal_teams(deals):
    """A rep's deal-team deals (read from the deals' copies of their teams on PostgreSQL, from the
    member rows on SQLite) come and go with the team, in five sorts, the same as the rows the
    visibility rule gives."""
    rep, other = deals.east_rep, deals.deals[-1].owner
    joined = deals.deals[-1]
    before = {pk for page in _walk(rep, "-amount", limit=3)[0] for pk in page}
    assert joined.pk not in before
    set_member(joined, rep, by=other, role="member")
    for sort in ("-amount", "name", "-updated", "stage", "customer"):
        forward, back = _walk(rep, sort, limit=3)
        assert [pk for page in forward for pk in page] == _ordered(rep, sort)
        assert joined.pk in {pk for page in back for pk in page}
    totals = selectors.pipeline_totals(rep, OPEN)
    assert totals["count"] == len(before) + 1
    remove_member(joined, rep, by=other)
    assert {pk for page in _walk(rep, "-amount", limit=3)[0] for pk in page} == before
    assert selectors.pipeline_totals(rep, OPEN)["count"] == len(before)


def test_a_reps_page_by_cursor_does_not_build_the_whole_visible_set_but_one_by_offset_does(
    deals, monkeypatch
):
    built = []
    original = selectors.opportunities_for

    def counted(*args, **kwargs):
        built.append(kwargs.get("in_sort_order"))
        return original(*args, **kwargs)

    monkeypatch.setattr(selectors, "opportunities_for", counted)
    first = pipeline_page(deals.east_rep, PipelineFilters(), "-amount", limit=2)
    second = pipeline_page(deals.east_rep, PipelineFilters(), "-amount", cursor=first.next_cursor, limit=2)
    assert built == [] and first.rows and second.rows
    by_offset = pipeline_page(deals.east_rep, PipelineFilters(), "-amount", offset=2, limit=2)
    assert built == [True]  # the offset page reads the whole visible set, in sort order
    assert [o.pk for o in by_offset.rows] == [o.pk for o in second.rows]
    pipeline_page(deals.east_mgr, PipelineFilters(), "-amount", limit=2)
    assert built == [True, True]  # a manager's page walks the visible set itself
