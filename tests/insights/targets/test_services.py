"""Target services: who may set them, validation, conflicts, upload all-or-nothing with row errors."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from kam.access.visibility import targets_for
from kam.insights.targets import selectors as svc_selectors
from kam.insights.targets import services as svc
from kam.org.models import Target
from tests.insights.targets.conftest import HEADER, xlsx

pytestmark = pytest.mark.django_db
Q3 = {"period_start": dt.date(2027, 7, 1), "period_end": dt.date(2027, 9, 30)}


def csv_bytes(rows):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def test_manager_sets_targets_for_own_team_and_its_people(world):
    t = svc.create_target(by=world.east_mgr, team=world.east, amount="5000000", **Q3)
    assert t.amount == Decimal("5000000.00")
    assert svc.create_target(by=world.east_mgr, user=world.east_rep, amount=100, **Q3).user == world.east_rep


@pytest.mark.parametrize("who", ["east_rep", "west_mgr"])
def test_rep_and_other_teams_manager_may_not_set_east_targets(world, who):
    with pytest.raises(ValidationError) as exc:
        svc.create_target(by=getattr(world, who), team=world.east, amount=1, **Q3)
    assert "team" in exc.value.message_dict


def test_director_sets_any_target(world):
    assert svc.create_target(by=world.director, team=world.west, amount=1, **Q3).pk


def test_validation_messages_per_field(world):
    with pytest.raises(ValidationError) as exc:
        svc.create_target(
            by=world.director,
            team=world.east,
            period_start=dt.date(2027, 9, 30),
            period_end=dt.date(2027, 7, 1),
            amount=-1,
        )
    assert set(exc.value.message_dict) == {"period_end", "amount"}
    with pytest.raises(ValidationError):
        svc.create_target(by=world.director, team=world.east, user=world.east_rep, amount=1, **Q3)


def test_duplicate_target_refused(world):
    svc.create_target(by=world.director, team=world.east, amount=1, **Q3)
    with pytest.raises(ValidationError) as exc:
        svc.create_target(by=world.director, team=world.east, amount=2, **Q3)
    assert "period_start" in exc.value.message_dict


def test_update_and_delete_need_the_right_to_set(world):
    t = svc.create_target(by=world.east_mgr, team=world.east, amount=1, **Q3)
    svc.update_target(t, by=world.east_mgr, amount=Decimal("7"))
    t.refresh_from_db()
    assert t.amount == Decimal("7.00")
    with pytest.raises(PermissionDenied):
        svc.update_target(t, by=world.west_mgr, amount=Decimal("8"))
    with pytest.raises(PermissionDenied):
        svc.delete_target(t, by=world.east_rep)
    svc.delete_target(t, by=world.director)
    assert not Target.objects.exists()


def test_targets_for_scopes_the_list(world):
    svc.create_target(by=world.director, team=world.east, amount=1, **Q3)
    svc.create_target(by=world.director, user=world.west_rep, amount=1, **Q3)
    assert targets_for(world.east_rep).count() == 1
    assert targets_for(world.west_mgr).count() == 1
    assert targets_for(world.director).count() == 2


@pytest.mark.parametrize("maker,filename", [(xlsx, "t.xlsx"), (csv_bytes, "t.csv")])
def test_upload_valid_file_with_quarter_shorthand(world, maker, filename):
    content = maker(
        [
            HEADER,
            ["east_rep", "", "2027-07-01", "2027-09-30", 100],
            ["", "East", "27.Q3", "", 500],
            ["", "West", "2027 Q4", "", 700],
        ]
    )
    result = svc.import_targets(by=world.director, content=content, filename=filename)
    assert result.ok and result.created == 3
    west = Target.objects.get(team=world.west)
    assert (west.period_start, west.period_end) == (dt.date(2027, 10, 1), dt.date(2027, 12, 31))


@pytest.mark.parametrize("maker,filename", [(xlsx, "t.xlsx"), (csv_bytes, "t.csv")])
def test_upload_with_bad_rows_saves_nothing_and_names_the_rows(world, maker, filename):
    content = maker(
        [
            HEADER,
            ["east_rep", "", "2027 Q3", "", 100],
            ["nobody", "", "2027 Q3", "", 100],
            ["", "East", "someday", "", 100],
            ["", "West", "2027 Q3", "", -5],
        ]
    )
    result = svc.import_targets(by=world.director, content=content, filename=filename)
    assert not result.ok
    assert [(e.row, e.field) for e in result.errors] == [(3, "username"), (4, "period_start"), (5, "amount")]
    assert not Target.objects.exists()


def test_upload_refuses_people_outside_the_managers_subtree(world):
    content = xlsx([HEADER, ["west_rep", "", "2027 Q3", "", 1]])
    result = svc.import_targets(by=world.east_mgr, content=content, filename="t.xlsx")
    assert result.errors[0].row == 2 and not Target.objects.exists()


def test_upload_duplicates_update_or_refuse_per_choice(world):
    svc.create_target(by=world.director, team=world.east, amount=1, **Q3)
    content = xlsx([HEADER, ["", "East", "2027 Q3", "", 9]])
    refused = svc.import_targets(by=world.director, content=content, filename="t.xlsx", on_duplicate="refuse")
    assert not refused.ok and Target.objects.get().amount == Decimal("1.00")
    updated = svc.import_targets(by=world.director, content=content, filename="t.xlsx", on_duplicate="update")
    assert updated.updated == 1 and Target.objects.get().amount == Decimal("9.00")


def test_upload_same_row_twice_in_the_file_is_an_error(world):
    content = csv_bytes([HEADER, ["", "East", "2027 Q3", "", 1], ["", "East", "2027-07-01", "2027-09-30", 2]])
    result = svc.import_targets(by=world.director, content=content, filename="t.csv")
    assert result.errors[0].row == 3


def test_upload_rejects_other_file_kinds_and_reps(world):
    with pytest.raises(ValidationError):
        svc.import_targets(by=world.director, content=b"x", filename="t.txt")
    with pytest.raises(PermissionDenied):
        svc.import_targets(by=world.east_rep, content=b"", filename="t.csv")


def test_template_has_the_columns_and_uploads_as_is(world):
    content = svc_selectors.template_xlsx(world.east_mgr)
    sheet = load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[1]] == HEADER
    # Its examples name the downloader and their team, so it uploads unchanged.
    result = svc.import_targets(by=world.east_mgr, content=content, filename="targets-template.xlsx")
    assert result.errors == [] and result.created == 2


def test_upload_errors_name_the_files_column_and_its_meaning(world):
    from django.utils import translation

    error = svc.RowError(3, "period_start", "x")
    with translation.override("zh-hans"):
        assert error.column.startswith("period_start (") and error.column != "period_start (period start)"
    with translation.override("en"):
        assert error.column == "period_start (period start)"


def test_stale_target_edit_is_a_conflict_and_saves_nothing(world):
    import datetime as dt
    from decimal import Decimal

    from kam.core.errors import ConflictError
    from kam.insights.targets import services as svc

    target = svc.create_target(
        by=world.east_mgr,
        team=world.east,
        period_start=dt.date(2027, 1, 1),
        period_end=dt.date(2027, 3, 31),
        amount=Decimal("100"),
    )
    svc.update_target(target, by=world.east_mgr, version=1, amount=Decimal("200"))
    stale = type(target).objects.get(pk=target.pk)
    stale.version = 1
    with pytest.raises(ConflictError):
        svc.update_target(stale, by=world.director, version=1, amount=Decimal("300"))
    assert type(target).objects.get(pk=target.pk).amount == Decimal("200")
