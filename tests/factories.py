"""Factories for tests: realistic defaults, every write that matters still goes through services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.db import transaction

from kam.customers.models import Customer
from kam.opportunities import services as opportunity_services
from kam.opportunities.models import Competitor, Opportunity, SalesProcess, Stage
from kam.org.models import Role, Team, User
from kam.relationships.models import Contact

PASSWORD = "kam-test-pass-2026"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"User {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.REP
    team = factory.SubFactory(TeamFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n} Co., Ltd.")
    owner = factory.SubFactory(UserFactory)
    industry = "Manufacturing"
    region = "East"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    title = "Manager"


class CompetitorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competitor
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Competitor {n}")


def ensure_sales_processes() -> None:
    """Re-seed what the data migrations seed (sales processes, relationship requirements, the default
    scoring model, activity kinds and visit policies, pool rules) after a transactional test flushed
    those rows."""
    import importlib

    from django.apps import apps

    from kam.relationships.models import RelationshipRequirement

    if not SalesProcess.objects.exists():
        importlib.import_module("kam.opportunities.migrations.0003_seed_sales_processes").seed(apps, None)
        importlib.import_module("kam.opportunities.migrations.0019_seed_close_reasons_and_gates").seed(
            apps, None
        )
    from kam.relationships.models import RelationshipPolicy

    RelationshipPolicy.forget()
    RelationshipPolicy.objects.get_or_create(pk=1)
    from kam.insights.models import HealthRule

    if not HealthRule.objects.exists():
        importlib.import_module("kam.insights.migrations.0002_seed_rules").seed(apps, None)
        importlib.import_module("kam.insights.migrations.0008_seed_weak_checklist_rule").seed(apps, None)
    from kam.planning.checklists.models import ChecklistSection

    if not ChecklistSection.objects.exists():
        from kam.planning.checklists.apps import one_rescan

        # One health rescan for the whole seed, not one per question and stage list.
        with transaction.atomic(), one_rescan():
            importlib.import_module("kam.planning.checklists.migrations.0002_seed_questions").seed(apps, None)
    if not RelationshipRequirement.objects.exists():
        importlib.import_module("kam.relationships.migrations.0003_seed_relationship_requirements").seed(
            apps, None
        )
    from kam.customers.models import ScoringModel

    if not ScoringModel.objects.exists():
        importlib.import_module("kam.customers.migrations.0004_default_scoring_model").seed(apps, None)
    from kam.activities.models import ActivityKind
    from kam.customers.models import PoolRule

    if not ActivityKind.objects.exists():
        importlib.import_module("kam.activities.migrations.0002_seed_kinds_and_policies").seed(apps, None)
    if not PoolRule.objects.exists():
        importlib.import_module("kam.customers.migrations.0012_seed_pool_rules").forward(apps, None)
    from kam.planning.approvals.models import ApprovalFlow

    if not ApprovalFlow.objects.exists():
        importlib.import_module("kam.planning.approvals.migrations.0002_seed_flows").seed(apps, None)
    from kam.planning.competition.models import Dimension

    if not Dimension.objects.exists():
        importlib.import_module("kam.planning.competition.migrations.0002_seed_dimensions").seed(apps, None)
    from kam.customers.models import Industry
    from kam.customers.models.choices import _cache
    from kam.delivery.models import ChurnBand
    from kam.planning.accountplans.models import ReviewCadence
    from kam.planning.bids.models import BidPolicy

    if not ChurnBand.objects.exists():
        importlib.import_module("kam.delivery.migrations.0002_seed").seed(apps, None)
    if not ReviewCadence.objects.exists():
        importlib.import_module("kam.planning.accountplans.migrations.0002_seed_cadences_and_flow").seed(
            apps, None
        )
    if not BidPolicy.objects.exists():
        importlib.import_module("kam.planning.bids.migrations.0002_seed_policy_and_templates").seed(
            apps, None
        )
    if not Industry.objects.exists():
        importlib.import_module("kam.customers.migrations.0016_seed_choices_and_search_keys").seed(apps, None)
        _cache.clear()


def default_process() -> SalesProcess:
    return SalesProcess.objects.get(code="key-account")


def stage(code: str, process: str = "key-account") -> Stage:
    return Stage.objects.get(process__code=process, code=code)


def make_opportunity(
    *,
    owner: User | None = None,
    customer: Customer | None = None,
    stage_code: str = "P0",
    name: str = "Line upgrade",
    amount: Decimal | None = Decimal("1000000"),
    sign_date: dt.date | None = dt.date(2027, 3, 31),
    **fields,
) -> Opportunity:
    """An opportunity created through the service, placed directly at `stage_code`."""
    owner = owner or UserFactory()
    customer = customer or CustomerFactory(owner=owner)
    return opportunity_services.create_opportunity(
        by=owner,
        customer=customer,
        owner=owner,
        name=name,
        stage=stage(stage_code),
        amount=amount,
        sign_date=sign_date,
        **fields,
    )


def approve_initiation(opportunity: Opportunity) -> None:
    """Give the deal an approved initiation report, for tests that move it into a stage gated on one
    (P3, S3) where the approval itself is not the point (tests/planning/initiation goes through it)."""
    from django.utils import timezone

    from kam.planning.initiation.models import InitiationReport, InitiationStatus

    InitiationReport.objects.update_or_create(
        opportunity=opportunity,
        defaults={
            "status": InitiationStatus.APPROVED,
            "approved_at": timezone.now(),
            "created_by": opportunity.owner,
        },
    )
