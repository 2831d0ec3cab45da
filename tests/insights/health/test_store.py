"""Stored health flags: every write that changes what a rule reads recomputes them in its own
transaction, the nightly pass recomputes only the deals a date threshold crossed, a rescan
recomputes all with progress, and the stored flags always equal the rules run live."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from kam.core.errors import RuleViolation
from kam.insights.health import store
from kam.insights.health.norms import refresh_stage_norms
from kam.insights.health.tasks import recomputes_deferred, request_rescan
from kam.insights.models import HealthRule, HealthScan, StoredFlag
from kam.opportunities import services
from kam.opportunities.models import Opportunity, OpportunityContact, StageChange
from kam.relationships.services import set_relationship_level, update_contact
from tests.factories import ContactFactory, make_opportunity, stage
from tests.insights.health.conftest import _stays, quiet


def stored(opportunity: Opportunity) -> dict[str, str]:
    """The stored flags of one deal: code -> severity."""
    return dict(
        StoredFlag.objects.filter(opportunity=opportunity).values_list("rule__code", "severity").order_by()
    )


def rank(opportunity: Opportunity) -> int:
    return Opportunity.objects.values_list("health_rank", flat=True).get(pk=opportunity.pk)


def fresh(opportunity: Opportunity) -> Opportunity:
    return Opportunity.objects.select_related("stage", "customer").get(pk=opportunity.pk)


def _future(days: int = 200) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


@pytest.fixture
def late(world):
    """east_opp at P4 with a supportive decision maker known at CR4: no flag at all."""
    opp = make_opportunity(
        owner=world.east_rep,
        customer=world.east_customer,
        name="Late deal",
        stage_code="P4",
        sign_date=_future(),
    )
    maker = ContactFactory(customer=opp.customer, name="Zhang Wei")
    services.set_contact_role(opp, maker, by=world.east_rep, decision_role="decision_maker", stance="A")
    services.set_contact_role(
        opp, ContactFactory(customer=opp.customer), by=world.east_rep, decision_role="user", stance="B"
    )
    set_relationship_level(maker, world.east_rep, 4, by=world.east_rep, note="coach")
    assert stored(opp) == {} and rank(opp) == 0
    return opp, maker


# --- each write recomputes its deals -------------------------------------------------------


def test_an_edit_raises_a_flag_and_the_next_one_clears_it(world):
    opp = world.east_opp
    assert stored(opp) == {}
    services.update_opportunity(fresh(opp), by=world.east_rep, version=None, amount=None)
    assert stored(opp) == {"four_elements_incomplete": "info"} and rank(opp) == 1
    services.update_opportunity(fresh(opp), by=world.east_rep, version=None, amount=Decimal("5"))
    assert stored(opp) == {} and rank(opp) == 0


def test_a_created_deal_is_flagged_at_once(world):
    opp = make_opportunity(owner=world.east_rep, name="No amount", amount=None)
    assert stored(opp) == {"four_elements_incomplete": "info"}
    assert rank(opp) == 1


def test_a_move_to_a_late_stage_without_a_decision_maker_raises_its_flag(world):
    opp = make_opportunity(owner=world.east_rep, name="Moving", stage_code="P3", sign_date=_future())
    services.set_contact_role(
        opp, ContactFactory(customer=opp.customer), by=world.east_rep, decision_role="user", stance="A"
    )
    services.set_contact_role(
        opp, ContactFactory(customer=opp.customer), by=world.east_rep, decision_role="user", stance="A"
    )
    assert stored(opp) == {}
    services.move_stage(fresh(opp), stage("P4"), by=world.east_rep, key_node_confirmed=True)
    assert "late_stage_weak_decision_maker" in stored(opp)
    assert rank(opp) == 3  # critical in the seeded rules


def test_a_stance_change_in_the_chain_raises_and_clears_the_opposition_flag(world, late):
    opp, maker = late
    services.set_contact_role(opp, maker, by=world.east_rep, decision_role="decision_maker", stance="C")
    assert "late_stage_opposition" in stored(opp)
    flag = StoredFlag.objects.get(opportunity=opp, rule__code="late_stage_opposition")
    assert flag.facts == {"stage": "P4", "role": "decision_maker", "name": "Zhang Wei"}
    services.set_contact_role(opp, maker, by=world.east_rep, decision_role="decision_maker", stance="B")
    assert "late_stage_opposition" not in stored(opp)


def test_removing_the_decision_maker_from_the_chain_raises_the_weak_decision_maker_flag(world, late):
    opp, maker = late
    entry = OpportunityContact.objects.get(opportunity=opp, contact=maker)
    services.remove_contact_role(entry, by=world.east_rep)
    assert "late_stage_weak_decision_maker" in stored(opp)


def test_a_relationship_level_change_recomputes_the_deals_whose_chain_holds_the_contact(world, late):
    opp, maker = late
    other = make_opportunity(
        owner=world.west_rep, customer=world.west_customer, name="Elsewhere", stage_code="P4"
    )
    before = stored(other)
    set_relationship_level(maker, world.east_rep, 2, by=world.east_rep, note="cooled")
    assert "late_stage_weak_decision_maker" in stored(opp)
    set_relationship_level(maker, world.east_mgr, 3, by=world.east_mgr, note="dinner")
    assert "late_stage_weak_decision_maker" not in stored(opp)  # the company's level: the best one
    assert stored(other) == before


def test_a_renamed_opposer_is_renamed_in_the_stored_explanation(client, world, late):
    opp, maker = late
    services.set_contact_role(opp, maker, by=world.east_rep, decision_role="decision_maker", stance="C")
    update_contact(maker, by=world.east_rep, version=None, name="Li Na")
    flag = StoredFlag.objects.get(opportunity=opp, rule__code="late_stage_opposition")
    assert flag.facts["name"] == "Li Na"
    client.force_login(world.director)
    assert "decision maker Li Na opposes" in client.get(reverse("health:page")).content.decode()


def test_closing_clears_the_flags_and_the_rank(world):
    opp = world.east_opp
    services.update_opportunity(fresh(opp), by=world.east_rep, version=None, amount=None)
    assert rank(opp) == 1
    services.close_opportunity(fresh(opp), by=world.east_rep, status="lost", reason="price")
    assert stored(opp) == {} and rank(opp) == 0


def test_a_flag_still_raised_keeps_when_it_was_raised(world):
    opp = world.east_opp
    services.update_opportunity(fresh(opp), by=world.east_rep, version=None, amount=None)
    raised = StoredFlag.objects.get(opportunity=opp).raised_at
    services.update_opportunity(fresh(opp), by=world.east_rep, version=None, name="Renamed")
    assert StoredFlag.objects.get(opportunity=opp).raised_at == raised


def test_a_rule_edit_rescans_in_the_background_once_committed(world, django_capture_on_commit_callbacks):
    services.update_opportunity(fresh(world.east_opp), by=world.east_rep, version=None, amount=None)
    rule = HealthRule.objects.get(code="four_elements_incomplete")
    rule.severity = "critical"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rule.save()
    assert len(callbacks) == 1  # the enqueue, after the edit commits
    assert stored(world.east_opp) == {"four_elements_incomplete": "critical"} and rank(world.east_opp) == 3
    rule.active = False
    with django_capture_on_commit_callbacks(execute=True):
        rule.save()
    assert stored(world.east_opp) == {} and rank(world.east_opp) == 0


def test_many_deals_go_to_the_worker_after_the_commit(world, django_capture_on_commit_callbacks, monkeypatch):
    from kam.insights.health import tasks

    monkeypatch.setattr(tasks, "SYNC_LIMIT", 1)
    for opp in (world.east_opp, world.west_opp):
        Opportunity.objects.filter(pk=opp.pk).update(amount=None)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tasks.request_recompute([world.east_opp.pk, world.west_opp.pk])
    assert stored(world.east_opp) == {}  # not yet: in the background
    assert len(callbacks) == 1
    callbacks[0]()
    assert stored(world.east_opp) == stored(world.west_opp) == {"four_elements_incomplete": "info"}


def test_deferred_recomputes_run_once_when_the_block_ends(world, django_assert_max_num_queries):
    with recomputes_deferred():
        opp = make_opportunity(owner=world.east_rep, name="Deferred", amount=None)
        assert stored(opp) == {}
    assert stored(opp) == {"four_elements_incomplete": "info"}


def test_a_stage_norm_refresh_asks_for_a_rescan(world, django_capture_on_commit_callbacks):
    _stays(world.east_rep, "P1", [3, 4, 5, 6, 7])
    # Those writes stored the first norms, which asked for a rescan already: start from none.
    HealthScan.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("refresh_norms", stdout=StringIO())
    assert HealthScan.objects.get().state == HealthScan.State.QUEUED
    assert len(callbacks) == 1


def test_norms_first_computed_during_a_write_ask_for_a_rescan(world, django_capture_on_commit_callbacks):
    from kam.insights.models import StageNorm

    assert not StageNorm.objects.exists()  # no completed stay yet
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _stays(world.east_rep, "P1", [3])  # a completed stay, written past the services
        make_opportunity(owner=world.east_rep, name="next")  # its recompute computes the first norms
    assert StageNorm.objects.exists()
    assert HealthScan.objects.get().state == HealthScan.State.QUEUED and len(callbacks) == 1


# --- the nightly pass ------------------------------------------------------------------------

T0 = dt.datetime(2026, 11, 22, 4, 0, tzinfo=dt.UTC)  # noon in Shanghai
T1 = T0 + dt.timedelta(days=1)
DAY0 = dt.date(2026, 11, 22)
DAY1 = DAY0 + dt.timedelta(days=1)


def _placed(
    owner, name: str, stage_code: str = "P0", entered: dt.datetime | None = None, **fields
) -> Opportunity:
    """A quiet deal at T0 with `fields`; a stage entry is written as the services write it (a
    StageChange at the same instant as stage_entered_at)."""
    opp = make_opportunity(owner=owner, name=name, stage_code=stage_code)
    entered = entered or T0
    StageChange.objects.filter(opportunity=opp).update(changed_at=entered)
    values = {
        "sign_date": DAY0 + dt.timedelta(days=200),
        "updated_at": T0,
        "last_touch_at": T0,
        "stage_entered_at": entered,
        **fields,
    }
    return quiet(opp, stage_code=stage_code, **values)


@pytest.fixture
def crossing(world):
    """Deals around the thresholds between T0 and T1, the stored flags as of T0."""
    rep = world.east_rep2
    _stays(rep, "P1", [10, 10, 10, 10, 10])  # east's norm in P1: 10 days (and the company's)
    refresh_stage_norms()
    deals = {
        "passes": _placed(rep, "sign date today", sign_date=DAY0),
        "nears": _placed(
            rep, "sign date 60 days after tomorrow", stage_code="P1", sign_date=DAY1 + dt.timedelta(days=60)
        ),
        "goes_stale": _placed(
            rep,
            "31 days without update tomorrow",
            stage_code="P2",
            last_touch_at=T1 - dt.timedelta(days=30, hours=1),
        ),
        "too_long": _placed(
            rep, "in P1 for 10 days tomorrow", stage_code="P1", entered=T1 - dt.timedelta(days=10, hours=1)
        ),
        "already": _placed(rep, "passed long ago", sign_date=DAY0 - dt.timedelta(days=40)),
        "stale_already": _placed(rep, "stale long ago", last_touch_at=T0 - dt.timedelta(days=90)),
        "quiet": _placed(rep, "quiet"),
        "fresh_in_p1": _placed(rep, "just entered P1", stage_code="P1"),
    }
    store.rescan(now=T0)
    return deals


def test_nightly_recomputes_only_the_deals_that_crossed_a_threshold(crossing):
    d = crossing
    assert stored(d["passes"]) == {"sign_date_near_early_stage": "warn"} and stored(d["too_long"]) == {}
    scan, touched = store.nightly(now=T1)
    assert touched == {d[k].pk for k in ("passes", "nears", "goes_stale", "too_long")}
    assert scan.state == HealthScan.State.DONE and scan.total == scan.processed == 4
    assert stored(d["passes"]) == {"sign_date_passed": "critical"}  # and no longer "near"
    assert "sign_date_near_early_stage" in stored(d["nears"])
    assert "no_update" in stored(d["goes_stale"])
    assert "stage_too_long" in stored(d["too_long"])


def test_nightly_ends_where_a_full_rescan_does(crossing):
    store.nightly(now=T1)
    assert store.verify(now=T1) == [] and store.verify_tallies() == []
    after_nightly = store.stored_flags()
    store.rescan(now=T1)
    assert store.stored_flags() == after_nightly


def test_a_second_nightly_the_same_day_touches_nothing(crossing):
    store.nightly(now=T1)
    _scan, touched = store.nightly(now=T1 + dt.timedelta(minutes=5))
    assert touched == set()


def test_nightly_command_and_task(crossing):
    from kam.insights.health.tasks import nightly_health_task

    out = StringIO()
    call_command("health", "nightly", stdout=out)  # the real clock: days after T0
    assert "crossed a threshold" in out.getvalue()
    assert nightly_health_task.call() == 0  # nothing crossed since the run just before
    assert store.verify() == []


# --- rescan, verify ----------------------------------------------------------------------------


def test_rescan_counts_its_progress_chunk_by_chunk(world, monkeypatch):
    for i in range(5):
        make_opportunity(owner=world.west_rep, name=f"Deal {i}", amount=None)
    Opportunity.objects.update(health_rank=0)
    StoredFlag.objects.all().delete()
    seen: list[tuple[int, int]] = []
    chunk = store._recompute_chunk

    def spy(engine, ids, **kwargs):
        row = HealthScan.objects.get()
        seen.append((row.processed, row.total))
        return chunk(engine, ids, **kwargs)

    monkeypatch.setattr(store, "_recompute_chunk", spy)
    scan = store.rescan(chunk=3)
    assert seen == [(0, 8), (3, 8), (6, 8)]
    assert (scan.state, scan.processed, scan.total) == (HealthScan.State.DONE, 8, 8)
    assert Opportunity.objects.filter(health_rank=1).count() == 5
    assert store.verify() == [] and store.verify_tallies() == []


def test_verify_command_fails_on_a_difference_and_rescan_fixes_it(world):
    services.update_opportunity(fresh(world.east_opp), by=world.east_rep, version=None, amount=None)
    call_command("health", "verify", stdout=StringIO())
    StoredFlag.objects.all().delete()
    with pytest.raises(CommandError, match="1 opportunities"):
        call_command("health", "verify", stdout=StringIO())
    Opportunity.objects.filter(pk=world.west_opp.pk).update(health_rank=2)  # a rank without a flag
    assert {d.opportunity_id for d in store.verify()} == {world.east_opp.pk, world.west_opp.pk}
    out = StringIO()
    call_command("health", "rescan", "--now", stdout=out)
    assert out.getvalue().startswith("Rescanned 3 open opportunities")
    call_command("health", "verify", stdout=StringIO())


def test_rescan_command_without_now_queues_one_rescan(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("health", "rescan", stdout=StringIO())
        call_command("health", "rescan", stdout=StringIO())  # the queued one answers
    assert HealthScan.objects.filter(state=HealthScan.State.QUEUED).count() == 1
    assert len(callbacks) == 1


def test_the_health_page_starts_a_rescan_and_shows_its_progress(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.director)
    page = client.get(reverse("health:page")).content.decode()
    assert "Rescan all flags" in page
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("health:rescan"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Full rescan queued" in body and 'hx-trigger="every 2s"' in body
    scan = HealthScan.objects.get()
    HealthScan.objects.filter(pk=scan.pk).update(state="running", total=40, processed=10)
    status = client.get(reverse("health:scan_status")).content.decode()
    assert "running: 10 of 40 open opportunities" in status and 'hx-trigger="every 2s"' in status
    HealthScan.objects.filter(pk=scan.pk).update(state="queued")
    callbacks[0]()  # the worker runs it
    status = client.get(reverse("health:scan_status")).content.decode()
    assert "Last full rescan" in status and "every 2s" not in status
    assert HealthScan.objects.get().processed == 3


def test_only_directors_and_admins_rescan(client, world):
    client.force_login(world.east_mgr)
    assert client.post(reverse("health:rescan")).status_code == 403
    assert client.get(reverse("health:scan_status")).status_code == 403
    assert "Rescan all flags" not in client.get(reverse("health:page")).content.decode()
    assert not HealthScan.objects.exists()


# --- stored equals live after any sequence of writes ------------------------------------------


def _random_step(rnd: random.Random, world, deals: list[Opportunity], contacts: list) -> None:
    opp = fresh(rnd.choice(deals))
    by = opp.owner
    action = rnd.choice(["edit", "edit", "move", "role", "role", "unrole", "level", "close", "rename"])
    try:
        if action == "edit":
            field = rnd.choice(["amount", "sign_date", "owner"])
            if field == "amount":
                value = rnd.choice([None, Decimal(rnd.randint(1, 900))])
                services.update_opportunity(opp, by=by, version=None, amount=value)
            elif field == "sign_date":
                value = timezone.localdate() + dt.timedelta(days=rnd.choice([-20, -1, 5, 30, 59, 61, 300]))
                services.update_opportunity(opp, by=by, version=None, sign_date=value)
            else:
                owner = rnd.choice([world.east_rep, world.east_rep2, world.west_rep])
                services.update_opportunity(opp, by=by, version=None, owner=owner)
        elif action == "move":
            target = stage(f"P{rnd.randint(0, 6)}")
            if target.pk != opp.stage_id:
                services.move_stage(opp, target, by=by, key_node_confirmed=True, note="random")
        elif action == "role":
            contact = rnd.choice([c for c in contacts if c.customer_id == opp.customer_id])
            role = rnd.choice(["decision_maker", "technical_approver", "user", "coach"])
            services.set_contact_role(opp, contact, by=by, decision_role=role, stance=rnd.choice("ABC"))
        elif action == "unrole":
            entry = OpportunityContact.objects.filter(opportunity=opp).order_by("?").first()
            if entry is not None:
                services.remove_contact_role(entry, by=by)
        elif action == "level":
            set_relationship_level(
                rnd.choice(contacts),
                rnd.choice([world.east_rep, world.west_rep]),
                rnd.randint(1, 5),
                by=by,
                note="n",
            )
        elif action == "close":
            services.close_opportunity(
                opp, by=by, status=rnd.choice(["won", "lost", "dropped"]), reason="random"
            )
        else:
            contact = rnd.choice(contacts)
            update_contact(contact, by=by, version=None, name=f"Person {rnd.randint(1, 99)}")
    except (RuleViolation, ValidationError):
        pass  # refused writes change nothing; the sequence goes on


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stored_flags_equal_the_live_rules_after_random_writes(
    world, seed, django_capture_on_commit_callbacks
):
    # The clock's rules move without writes (the nightly pass's work, tested above); stays of a few
    # seconds would make stage norms of a second, so only the write-driven rules are compared.
    HealthRule.objects.filter(code__in=["stage_too_long", "no_update"]).update(active=False)
    rnd = random.Random(seed)
    customers = [world.east_customer, world.west_customer]
    contacts = [ContactFactory(customer=c) for c in customers for _ in range(3)]
    deals = [
        make_opportunity(
            owner=world.east_rep, customer=c, name=f"R{i}", stage_code=f"P{i % 6}", sign_date=_future()
        )
        for i, c in enumerate(customers * 3)
    ]
    for step in range(40):
        with django_capture_on_commit_callbacks(execute=True):  # each step commits, as in a request
            _random_step(rnd, world, deals, contacts)
        if step % 10 == 9:
            assert store.verify() == [], step
            assert store.verify_tallies() == [], step
    assert store.verify() == []
    assert store.verify_tallies() == []
    assert StoredFlag.objects.exists()  # the sequence raised flags, not just none


# --- what pages cost -------------------------------------------------------------------------


def test_the_health_page_and_a_flagged_pipeline_page_cost_a_fixed_number_of_queries(
    client, world, django_assert_num_queries
):
    from tests.insights.health.conftest import _add_flagged

    _add_flagged(world, 30)
    client.force_login(world.director)
    with django_assert_num_queries(12):
        assert client.get(reverse("health:page")).status_code == 200
    # The learned win probabilities of the page's rows are one more, whatever the number of rows.
    with django_assert_num_queries(11):
        assert client.get(reverse("opportunities:pipeline") + "?flagged=1&sort=-severity").status_code == 200


def test_request_rescan_inside_a_deferred_block_runs_one_rescan_at_the_end(world):
    StoredFlag.objects.all().delete()
    Opportunity.objects.filter(pk=world.east_opp.pk).update(amount=None)
    with recomputes_deferred():
        request_rescan()
        assert not HealthScan.objects.exists()
    assert HealthScan.objects.get().state == HealthScan.State.DONE
    assert stored(world.east_opp) == {"four_elements_incomplete": "info"}


def test_a_directors_counts_come_from_the_kept_tallies(client, world):
    """The owners' and rules' counts read HealthTally for a director: an owner change moves them."""
    from kam.insights.models import HealthTally

    services.update_opportunity(fresh(world.east_opp), by=world.east_rep, version=None, amount=None)
    assert HealthTally.objects.get(owner=world.east_rep, rule=0).count == 1
    services.update_opportunity(fresh(world.east_opp), by=world.east_rep, version=None, owner=world.west_rep)
    assert not HealthTally.objects.filter(owner=world.east_rep, count__gt=0).exists()
    assert store.verify_tallies() == []
    client.force_login(world.director)
    report = client.get(reverse("health:page")).context["report"]
    assert [(row["owner_id"], row["info"]) for row in report["by_owner"]] == [(world.west_rep.pk, 1)]
    assert {row["code"]: row["count"] for row in report["by_rule"]}["four_elements_incomplete"] == 1
    HealthTally.objects.update(count=7)  # the page believes the tallies
    report = client.get(reverse("health:page")).context["report"]
    assert report["by_owner"][0]["info"] == 7
    with pytest.raises(CommandError, match="kept counts differ"):
        call_command("health", "verify", stdout=StringIO())
