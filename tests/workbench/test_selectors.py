"""The workbench's figures for a rep and a manager on a small world, and who sees what."""

from __future__ import annotations

from decimal import Decimal

from kam.workbench import selectors


def tiles(user):
    return {t.key: t for t in selectors.workbench(user).tiles}


def test_rep_sees_own_pipeline_won_against_target_flags_and_next_steps(bench):
    t = tiles(bench.east_rep)
    assert set(t) == {"open_pipeline", "won_quarter", "flagged", "next_steps", "visits_due", "reminders"}
    # east_opp alone (the deal team of no one else's deal): 1,000,000 at P1 (20 %).
    assert (t["open_pipeline"].count, t["open_pipeline"].amount) == (1, Decimal("1000000.00"))
    assert t["open_pipeline"].weighted == Decimal("200000.00")
    assert (t["won_quarter"].count, t["won_quarter"].amount) == (1, Decimal("300000.00"))
    assert t["won_quarter"].target == Decimal("600000.00")
    assert t["won_quarter"].attainment == 50
    assert t["flagged"].count == 1
    # Due today; the one 40 days overdue is no longer carried; west_rep's is not theirs.
    assert t["next_steps"].count == 1
    bench_page = selectors.workbench(bench.east_rep)
    assert [s.text for s in bench_page.next_steps] == ["Send the revised quote"]
    assert bench_page.next_steps[0].opportunity_name == "East furnace"


def test_manager_sees_the_team_and_the_team_target(bench):
    t = tiles(bench.east_mgr)
    assert {"approvals", "changed", "quiet_accounts"} <= set(t)
    # east_opp (P1) and east_opp2 (P0), never the west's.
    assert (t["open_pipeline"].count, t["open_pipeline"].amount) == (2, Decimal("2000000.00"))
    assert t["open_pipeline"].weighted == Decimal("300000.00")
    assert t["won_quarter"].amount == Decimal("300000.00")
    assert t["won_quarter"].target == Decimal("1000000.00")
    assert t["won_quarter"].attainment == 30
    assert t["flagged"].count == 1
    assert t["next_steps"].count == 1
    assert t["approvals"].count == 1
    # east_opp moved stage, east_opp2 slipped its sign date; both this week.
    assert t["changed"].count == 2
    # East Steel was touched by the call; east_rep2's key account never was.
    assert t["quiet_accounts"].count == 1
    assert [a.title for a in selectors.workbench(bench.east_mgr).approvals] == [bench.approval.title]


def test_rep_never_sees_another_teams_figures(bench):
    t = tiles(bench.west_rep)
    assert (t["open_pipeline"].count, t["open_pipeline"].amount) == (1, Decimal("1000000.00"))
    assert t["won_quarter"].amount == Decimal("700000.00")
    assert t["won_quarter"].target is None
    assert t["flagged"].count == 1
    steps = selectors.workbench(bench.west_rep).next_steps
    assert [s.text for s in steps] == ["West step"]


def test_other_manager_sees_only_their_team(bench):
    t = tiles(bench.west_mgr)
    assert t["open_pipeline"].count == 1
    assert t["won_quarter"].amount == Decimal("700000.00")
    assert t["won_quarter"].target == Decimal("5000000.00")
    assert t["approvals"].count == 0
    assert t["changed"].count == 0
    # West Power is a key account too, touched today by west_rep's call; the east's never count.
    assert t["quiet_accounts"].count == 0


def test_director_sees_everyone(bench):
    t = tiles(bench.director)
    assert t["open_pipeline"].count == 3
    assert t["won_quarter"].amount == Decimal("1000000.00")
    assert t["changed"].count == 2
    assert t["quiet_accounts"].count == 1


def test_new_rep_has_nothing_and_the_workbench_says_so(world):
    from tests.factories import UserFactory

    newcomer = UserFactory(username="newcomer", team=world.east)
    bench = selectors.workbench(newcomer)
    assert bench.is_new
    assert all(tile.empty_text for tile in bench.tiles)


def test_reminders_are_the_users_own_unread_count_and_latest_five(bench):
    from kam.notifications.models import Notification, NotificationKind

    for i in range(7):
        Notification.objects.create(
            recipient=bench.east_rep,
            kind=NotificationKind.NEXT_STEP_DUE,
            title=f"Reminder {i}",
            title_en=f"Reminder {i}",
            dedupe_key=f"k{i}",
        )
    Notification.objects.filter(recipient=bench.east_rep, dedupe_key="k0").update(read_at="2026-01-01T00:00Z")
    Notification.objects.create(
        recipient=bench.west_rep, kind=NotificationKind.DEAL_FLAGGED, title="West's", dedupe_key="w"
    )
    page = selectors.workbench(bench.east_rep)
    assert page.tile("reminders").count == 6
    assert page.tile("reminders").url == "/notifications/?state=unread"
    assert len(page.reminders) == 5
    assert all(r.unread for r in page.reminders)
    assert "West's" not in [r.title for r in page.reminders]
    assert selectors.workbench(bench.west_rep).tile("reminders").count == 1
