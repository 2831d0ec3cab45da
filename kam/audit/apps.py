from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Written by the scoring, the clock or the version counter, not by a person: noise in the trail.
# (`deal_team` is the opportunity's copy of its deal team, whose rows have a trail of their own.)
DERIVED = ["version", "updated_at", "created_at", "last_used_at", "last_login", "search_key", "deal_team"]


class AuditConfig(AppConfig):
    name = "kam.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        # Deferred to ready(): auditlog registers models, which must be loaded first.
        from auditlog.registry import auditlog

        from kam.customers import models as customers
        from kam.insights import models as insights
        from kam.opportunities import models as opportunities
        from kam.org import models as org
        from kam.relationships import models as relationships

        # The records people edit; the history tables are their own trail and are not logged twice.
        auditlog.register(
            customers.Customer,
            # name_key and name_pinyin are the duplicate check's copies of the name.
            exclude_fields=[*DERIVED, "score", "computed_tier", "tier", "segment", "name_key", "name_pinyin"],
        )
        for model in (
            customers.Tag,
            customers.ScoringModel,
            customers.ScoringCriterion,
            customers.ScoreBand,
            customers.TierThreshold,
            customers.PoolRule,
            customers.PoolSettings,
            relationships.Contact,
            relationships.Relationship,
            relationships.Influence,
            relationships.RelationshipRequirement,
            relationships.RelationshipPolicy,
            opportunities.OpportunityMember,
            opportunities.OpportunityContact,
            opportunities.OpportunityCompetitor,
            opportunities.Competitor,
            opportunities.SalesProcess,
            opportunities.Stage,
            opportunities.ExitCriterion,
            insights.HealthRule,
            insights.PortfolioPolicy,
            org.Team,
            org.Target,
        ):
            auditlog.register(model, exclude_fields=DERIVED)
        # The deal's copies of facts kept elsewhere: the customer's name (its own trail has the
        # rename), the expected amount (the database's, from the amounts), the worst health flag's
        # severity (the health pass's) and the furthest stage (the stage history's).
        auditlog.register(
            opportunities.Opportunity,
            exclude_fields=[*DERIVED, "customer_name", "sort_amount", "health_rank", "furthest_stage_order"],
        )
        auditlog.register(org.User, exclude_fields=[*DERIVED, "password"])
        auditlog.register(org.ApiToken, exclude_fields=[*DERIVED, "token_hash"])
