"""The opportunities app models, by sub-area; import them from here (kam.opportunities.models)."""

from kam.opportunities.models.history import (  # noqa: F401
    CriterionCheck,
    OpportunityChange,
    StageChange,
)
from kam.opportunities.models.opportunity import (  # noqa: F401
    Competitor,
    DatePrecision,
    ForecastCategory,
    NumberSequence,
    Opportunity,
    OpportunityStatus,
    period_end,
)
from kam.opportunities.models.process import (  # noqa: F401
    CloseOutcome,
    CloseReason,
    ExitCriterion,
    SalesProcess,
    Stage,
)
from kam.opportunities.models.rollup import (  # noqa: F401
    FORECAST_FIGURES,
    NO_SIGN_MONTH,
    ForecastRollup,
    FunnelRollup,
    PipelineRollup,
    StageRollup,
    TeamRollup,
    quarter_of_month,
)
from kam.opportunities.models.team import (  # noqa: F401
    MemberRole,
    OpportunityCompetitor,
    OpportunityContact,
    OpportunityMember,
)
