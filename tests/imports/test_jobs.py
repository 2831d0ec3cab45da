"""Long imports in the background: the upload stored, a task imports it, the page polls its
progress and then shows the result; only the uploader (and administrators) see it; a failed
task shows its error and leaves nothing written."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.imports import bulk, jobs, services, tasks
from kam.imports.models import ImportJob, ImportJobState
from kam.opportunities.models import Opportunity, OpportunityMember, StageChange
from tests.factories import ensure_sales_processes
from tests.imports.conftest import csv_bytes

pytestmark = pytest.mark.django_db

HEADER = ["customer", "name", "stage", "owner", "amount", "sign_date"]


def deals(count):
    return [HEADER] + [
        ["East Steel", f"Deal {i}", "P4", "east_rep", 1000 + i, "2027-06-30"] for i in range(count)
    ]


def upload(client, rows, **data):
    file = io.BytesIO(csv_bytes(rows))
    file.name = "deals.csv"
    payload = {"kind": "opportunities", "file": file, "on_duplicate": "refuse", "mode": "all", **data}
    return client.post("/imports/", payload)


@pytest.fixture
def small_threshold(monkeypatch):
    """Files of more than 3 rows go to the background (2,000 outside tests)."""
    monkeypatch.setattr(jobs, "BACKGROUND_ROWS", 3)


def test_background_import_end_to_end(client, world, small_threshold, django_capture_on_commit_callbacks):
    client.force_login(world.east_mgr)
    before = Opportunity.objects.count()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = upload(client, deals(5))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/jobs/{job.pk}/"
    assert job.user == world.east_mgr and job.state == ImportJobState.QUEUED and job.total == 5
    assert Opportunity.objects.count() == before  # nothing imported in the request
    waiting = client.get(f"/imports/jobs/{job.pk}/")
    assert waiting.status_code == 200
    assert f'hx-get="/imports/jobs/{job.pk}/status"' in waiting.content.decode()
    assert "Import queued" in client.get(f"/imports/jobs/{job.pk}/status").content.decode()
    assert len(queued) == 1
    queued[0]()  # the task runs (immediate backend in tests)
    job.refresh_from_db()
    assert job.state == ImportJobState.DONE and (job.done, job.total) == (5, 5)
    assert bytes(job.content) == b""  # the upload is dropped once imported
    assert Opportunity.objects.count() == before + 5
    assert StageChange.objects.filter(opportunity__name__startswith="Deal ").count() == 5
    status = client.get(f"/imports/jobs/{job.pk}/status").content.decode()
    assert "5 created, 0 updated." in status and "hx-get" not in status
    assert "5 created, 0 updated." in client.get(f"/imports/jobs/{job.pk}/").content.decode()


def test_short_files_import_in_the_request(client, world, small_threshold):
    client.force_login(world.east_mgr)
    response = upload(client, deals(3))
    assert response.status_code == 200 and "3 created, 0 updated." in response.content.decode()
    assert not ImportJob.objects.exists()


def test_progress_is_reported_while_checking_then_writing(world, monkeypatch):
    monkeypatch.setattr(services, "PROGRESS_STEP", 2)
    seen = []
    result = services.import_file(
        by=world.east_mgr,
        kind="opportunities",
        content=csv_bytes(deals(5)),
        filename="d.csv",
        progress=lambda phase, done, total: seen.append((phase, done, total)),
    )
    assert result.written and result.created == 5
    assert seen == [("checking", 2, 5), ("checking", 4, 5), ("checking", 5, 5), ("writing", 5, 5)]


@pytest.fixture
def committed_world(transactional_db, request):
    """The world, committed: on PostgreSQL the progress is saved on a connection of its own,
    which sees committed rows only (the sales processes first, which an earlier transactional
    test may have flushed)."""
    ensure_sales_processes()
    return request.getfixturevalue("world")


@pytest.mark.django_db(transaction=True)
def test_progress_numbers_are_saved_on_the_job(
    committed_world, monkeypatch, django_capture_on_commit_callbacks
):
    """Each report is saved on the job, in order, where the page polling it reads it (read here
    by the saving connection just after its save: on PostgreSQL the import's connection is busy
    with the write while the rows are checked)."""
    monkeypatch.setattr(services, "PROGRESS_STEP", 2)
    saved = []
    save = tasks.Progress.save

    def saving(self, phase, done, total):
        save(self, phase, done, total)
        job = ImportJob.objects.get()
        saved.append((job.state, job.done, job.total))

    monkeypatch.setattr(tasks.Progress, "save", saving)
    before = Opportunity.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        jobs.start(
            by=committed_world.east_mgr, kind="opportunities", content=csv_bytes(deals(5)), filename="d.csv"
        )
    assert saved == [("checking", 2, 5), ("checking", 4, 5), ("checking", 5, 5), ("writing", 5, 5)]
    job = ImportJob.objects.get()
    assert (job.state, job.done) == (ImportJobState.DONE, 5) and Opportunity.objects.count() == before + 5


@pytest.mark.django_db(transaction=True)
def test_progress_is_saved_while_the_rows_are_written(
    committed_world, monkeypatch, django_capture_on_commit_callbacks
):
    """On PostgreSQL the rows are checked while the deals already found right are being written;
    the page still sees the progress of the check before the write commits."""
    monkeypatch.setattr(services, "PROGRESS_STEP", 2)
    seen = []
    save = tasks.Progress.save

    def saving(self, phase, done, total):
        save(self, phase, done, total)
        seen.append(
            (ImportJob.objects.get().done, Opportunity.objects.filter(name__startswith="Deal ").count())
        )

    monkeypatch.setattr(tasks.Progress, "save", saving)
    report = tasks.Progress.__call__

    def waiting(self, phase, done, total):
        """The import goes on once the report is saved (the saves are not waited for otherwise)."""
        report(self, phase, done, total)
        if self.saver is not None:
            self.saver.submit(lambda: None).result()

    monkeypatch.setattr(tasks.Progress, "__call__", waiting)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.start(
            by=committed_world.east_mgr, kind="opportunities", content=csv_bytes(deals(6)), filename="d.csv"
        )
    # Every report seen, none of the deals visible before the commit, all six after it.
    assert [done for done, _deals in seen] == [2, 4, 6, 6]
    assert {deals_seen for _done, deals_seen in seen} == {0}
    assert Opportunity.objects.filter(name__startswith="Deal ").count() == 6


def test_a_job_with_row_errors_shows_them_and_writes_nothing(
    client, world, small_threshold, django_capture_on_commit_callbacks
):
    client.force_login(world.east_mgr)
    rows = deals(5)
    rows[3][2] = "P99"
    before = Opportunity.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, rows)
    job = ImportJob.objects.get()
    assert job.state == ImportJobState.DONE and Opportunity.objects.count() == before
    page = client.get(f"/imports/jobs/{job.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Nothing was saved" in text and "P99" not in text and "Unknown stage" in text


def test_another_user_cannot_see_the_job(client, world, small_threshold, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = jobs.start(
            by=world.east_mgr, kind="opportunities", content=csv_bytes(deals(5)), filename="d.csv"
        )
    client.force_login(world.west_mgr)
    assert client.get(f"/imports/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/imports/jobs/{job.pk}/status").status_code == 404
    client.force_login(world.east_rep)  # may not import at all
    assert client.get(f"/imports/jobs/{job.pk}/").status_code == 403
    client.force_login(world.admin)
    assert client.get(f"/imports/jobs/{job.pk}/status").status_code == 200


def test_a_failed_task_shows_its_error_and_leaves_no_rows(
    client, world, small_threshold, monkeypatch, django_capture_on_commit_callbacks
):
    before = (Opportunity.objects.count(), OpportunityMember.objects.count(), StageChange.objects.count())

    def broken(self):
        raise RuntimeError("disk full")

    # The opportunities, their history and deal teams are inserted; the audit entries then fail.
    monkeypatch.setattr(bulk.AuditEntries, "write", broken)
    client.force_login(world.east_mgr)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, deals(5))
    job = ImportJob.objects.get()
    assert job.state == ImportJobState.FAILED and job.error == "disk full"
    assert (
        Opportunity.objects.count(),
        OpportunityMember.objects.count(),
        StageChange.objects.count(),
    ) == before
    status = client.get(f"/imports/jobs/{job.pk}/status").content.decode()
    assert "The import failed and nothing was saved: disk full" in status and "hx-get" not in status
    # A task delivered again does not import the file a second time.
    tasks.run(job.pk)
    assert Opportunity.objects.count() == before[0]


def test_the_import_takes_the_same_queries_for_more_rows(world, django_assert_max_num_queries):
    """The statements go per table, not per row: a file of 200 deals takes no more queries than
    one of 5 (after a first import has filled the caches and started the year's numbers)."""

    def run(rows):
        result = services.import_file(
            by=world.east_mgr, kind="opportunities", content=csv_bytes(deals(rows)), filename="d.csv"
        )
        assert result.created == rows

    run(1)
    with CaptureQueriesContext(connection) as five:
        run(5)
    with django_assert_max_num_queries(len(five)):
        run(200)
