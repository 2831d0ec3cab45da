"""The JSON API: one NinjaAPI, each app's router mounted under /api/v1/."""

from ninja import NinjaAPI

from kam.org.auth import BearerTokenAuth, SessionAuthCSRF

api = NinjaAPI(
    title="kam API",
    version="1",
    urls_namespace="api",
    auth=[BearerTokenAuth(), SessionAuthCSRF()],
)

from kam.api_errors import install_error_handlers  # noqa: E402

install_error_handlers(api)

from kam.customers.api import router as customers_router  # noqa: E402
from kam.opportunities.api import router as opportunities_router  # noqa: E402
from kam.org.api import router as org_router  # noqa: E402
from kam.relationships.api import router as contacts_router  # noqa: E402

api.add_router("/customers", customers_router)
api.add_router("/contacts", contacts_router)
api.add_router("/", opportunities_router)
api.add_router("/", org_router)

from kam.opportunities.chain_api import router as chain_router  # noqa: E402
from kam.relationships.coverage_api import router as coverage_router  # noqa: E402
from kam.relationships.orgchart_api import router as orgchart_router  # noqa: E402

api.add_router("/", orgchart_router)
api.add_router("/", coverage_router)
api.add_router("/", chain_router)

from kam.insights.analysis_api import router as analysis_router  # noqa: E402
from kam.insights.forecast_api import router as forecast_router  # noqa: E402
from kam.insights.health_api import router as health_router  # noqa: E402

api.add_router("/insights", health_router)
api.add_router("/insights", forecast_router)
api.add_router("/insights", analysis_router)

from kam.customers.analysis_api import router as customer_analysis_router  # noqa: E402
from kam.customers.detail_api import router as customer_detail_router  # noqa: E402
from kam.customers.pyramid_api import router as pyramid_router  # noqa: E402
from kam.customers.scoring_api import router as scoring_router  # noqa: E402
from kam.customers.tag_api import router as tag_router  # noqa: E402

api.add_router("/", customer_detail_router)
api.add_router("/", scoring_router)
api.add_router("/", tag_router)
api.add_router("/", pyramid_router)
api.add_router("/", customer_analysis_router)
