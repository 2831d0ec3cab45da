"""The customers app models, by sub-area; import them from here (kam.customers.models)."""

from kam.customers.models.analysis import (  # noqa: F401
    Attention,
    CustomerAnalysis,
    DecisionMode,
    PurchaseSpeed,
)
from kam.customers.models.choices import (  # noqa: F401
    Industry,
    Region,
)
from kam.customers.models.customer import (  # noqa: F401
    BilingualName,
    Customer,
    CustomerChange,
    CustomerStatus,
    Segment,
    Tier,
    in_english,
)
from kam.customers.models.pool import (  # noqa: F401
    PoolReturnRequest,
    PoolRule,
    PoolSettings,
    ReturnStatus,
)
from kam.customers.models.scoring import (  # noqa: F401
    BreakdownField,
    CriterionKind,
    CustomerCriterionValue,
    CustomerScore,
    DynamicSource,
    ScoreBand,
    ScoringCriterion,
    ScoringModel,
    TierOverride,
    TierThreshold,
)
from kam.customers.models.tags import (  # noqa: F401
    CustomerTag,
    Tag,
    TagKind,
)
