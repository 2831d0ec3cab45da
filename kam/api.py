"""The JSON API: one NinjaAPI, each app's router mounted under /api/v1/."""

import copy
from typing import Any

from django.utils import translation
from ninja import NinjaAPI

from kam.core.api.parser import JsonOnlyParser
from kam.core.api.renderer import FastJSONRenderer
from kam.org.auth import BearerTokenAuth, SessionAuthCSRF


def _error(description: str, component: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }


def _if_match(operation: dict[str, Any], components: dict[str, Any]) -> dict[str, Any] | None:
    """The If-Match header an operation reads, as a parameter, or None if it reads none.

    Read from the answers declared (see kam.core.api.helpers): a versioned write answers 428 without
    If-Match, unless its body may carry the `version` instead; a delete that answers 412 checks
    If-Match when sent. Other writes answering 412 name what they saw in their body, not in If-Match.
    """
    responses = {str(code) for code in operation.get("responses", {})}  # ninja's codes are ints
    if "412" not in responses:
        return None
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    fields = components.get(body.get("$ref", "").rsplit("/", 1)[-1], {}).get("properties", {})
    if "428" in responses:
        required = "version" not in fields
    elif "requestBody" not in operation:
        required = False
    else:
        return None
    description = 'The version (ETag) you read, e.g. `"3"`; a stale one is refused with 412.'
    if "428" in responses and not required:
        description += " Or send it as `version` in the body."
    elif not required:
        description += " Optional: without it nothing is checked."
    return {
        "in": "header",
        "name": "If-Match",
        "required": required,
        "description": description,
        "schema": {"type": "string"},
    }


class KamAPI(NinjaAPI):
    """The answers every operation may give, whether or not its own declaration names them: 401
    without credentials, 400 for a body that is not JSON, 413 for a body past the upload limit, 415
    for a body not sent as JSON, 422 for a query or body the schema refuses.
    And the If-Match header of every operation that reads one, so a client generated from the
    spec can send it."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        # The routers are fixed once the URLs are loaded, so the document (a megabyte, seconds to
        # build) is built once per process and language; each caller gets its own copy.
        key = (repr(args), repr(sorted(kwargs.items(), key=lambda item: item[0])), translation.get_language())
        cache = self.__dict__.setdefault("_openapi_cache", {})
        if key not in cache:
            cache[key] = self._build_openapi_schema(*args, **kwargs)
        return copy.deepcopy(cache[key])

    def _build_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.get("components", {}).get("schemas", {})
        for operations in schema["paths"].values():
            for operation in operations.values():
                header = _if_match(operation, components)
                if header is not None:
                    operation.setdefault("parameters", []).append(header)
                responses = operation.setdefault("responses", {})
                has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
                if operation.get("security"):
                    responses.setdefault("401", _error("No valid session or API token.", "ErrorOut"))
                    responses.setdefault(
                        "429",
                        _error(
                            "Too many wrong API tokens from this address: every bearer request from it "
                            "is refused until the window ends (see Retry-After).",
                            "ErrorOut",
                        ),
                    )
                if operation.get("requestBody"):
                    responses.setdefault("400", _error("The body is not valid JSON.", "ErrorOut"))
                    responses.setdefault(
                        "413", _error("The body is larger than the server takes.", "ErrorOut")
                    )
                    responses.setdefault(
                        "415", _error("The body is not sent as `Content-Type: application/json`.", "ErrorOut")
                    )
                if operation.get("requestBody") or has_query:
                    responses.setdefault(
                        "422",
                        _error("A parameter or field is refused; messages per field.", "ValidationErrorOut"),
                    )
                # ninja keys the codes with ints, openapi_extra and the lines above with strings: one
                # key per code in the JSON (the last wins, as a JSON reader takes it), or Swagger UI
                # refuses the whole document ("duplicated mapping key") and the docs page stays empty.
                operation["responses"] = {str(code): answer for code, answer in responses.items()}
        return schema


api = KamAPI(
    title="kam API",
    version="1",
    urls_namespace="api",
    auth=[BearerTokenAuth(), SessionAuthCSRF()],
    parser=JsonOnlyParser(),
    renderer=FastJSONRenderer(),
)

from kam.core.api.errors import install_error_handlers  # noqa: E402

install_error_handlers(api)

from kam.customers.api import router as customers_router  # noqa: E402
from kam.opportunities.api import router as opportunities_router  # noqa: E402
from kam.org.api import router as org_router  # noqa: E402
from kam.relationships.api import router as contacts_router  # noqa: E402

api.add_router("/customers", customers_router)
api.add_router("/contacts", contacts_router)
api.add_router("/", opportunities_router)
api.add_router("/", org_router)

from kam.opportunities.chain.api import router as chain_router  # noqa: E402
from kam.relationships.coverage.api import router as coverage_router  # noqa: E402
from kam.relationships.orgchart.api import router as orgchart_router  # noqa: E402

api.add_router("/", orgchart_router)
api.add_router("/", coverage_router)
api.add_router("/", chain_router)

from kam.insights.forecast.api import router as forecast_router  # noqa: E402
from kam.insights.health.api import router as health_router  # noqa: E402
from kam.insights.review.api import router as analysis_router  # noqa: E402

api.add_router("/insights", health_router)
api.add_router("/insights", forecast_router)
api.add_router("/insights", analysis_router)

from kam.customers.analysis.api import router as customer_analysis_router  # noqa: E402
from kam.customers.pool.api import router as pool_router  # noqa: E402
from kam.customers.profile.api import router as customer_detail_router  # noqa: E402
from kam.customers.pyramid.api import router as pyramid_router  # noqa: E402
from kam.customers.scoring.api import router as scoring_router  # noqa: E402
from kam.customers.tags.api import router as tag_router  # noqa: E402

api.add_router("/", customer_detail_router)
api.add_router("/", pool_router)
api.add_router("/", scoring_router)
api.add_router("/", tag_router)
api.add_router("/", pyramid_router)
api.add_router("/", customer_analysis_router)

from kam.reports.api import router as reports_router  # noqa: E402

api.add_router("/reports", reports_router)

from kam.activities.api import router as activities_router  # noqa: E402
from kam.activities.time.api import router as activity_time_router  # noqa: E402

api.add_router("/activities", activities_router)
api.add_router("/", activity_time_router)

from kam.activities.plans.api import router as plans_router  # noqa: E402
from kam.activities.policy.api import router as visit_policy_router  # noqa: E402

api.add_router("/", plans_router)
api.add_router("/", visit_policy_router)

from kam.insights.loss.api import router as loss_router  # noqa: E402

api.add_router("/insights", loss_router)

from kam.activities.metrics.api import router as process_metrics_router  # noqa: E402
from kam.delivery.contracts.api import router as delivery_contracts_router  # noqa: E402
from kam.delivery.implementation.api import router as delivery_implementation_router  # noqa: E402
from kam.delivery.payments.api import router as delivery_payments_router  # noqa: E402
from kam.delivery.satisfaction.api import router as delivery_satisfaction_router  # noqa: E402
from kam.delivery.service.api import router as delivery_service_router  # noqa: E402
from kam.notifications.api import router as notifications_router  # noqa: E402
from kam.notifications.channels.api import router as notification_channels_router  # noqa: E402
from kam.planning.accountplans.api import router as planning_accountplans_router  # noqa: E402
from kam.planning.accountplans.ogsm.api import router as planning_ogsm_router  # noqa: E402
from kam.planning.accountplans.reviews.api import router as planning_reviews_router  # noqa: E402
from kam.planning.approvals.api import router as planning_approvals_router  # noqa: E402
from kam.planning.bids.api import router as planning_bids_router  # noqa: E402
from kam.planning.checklists.api import router as planning_checklists_router  # noqa: E402
from kam.planning.competition.api import router as planning_competition_router  # noqa: E402
from kam.planning.fishbone.api import router as planning_fishbone_router  # noqa: E402
from kam.planning.initiation.api import router as planning_initiation_router  # noqa: E402
from kam.planning.swot.api import router as planning_swot_router  # noqa: E402
from kam.planning.winloss.api import router as planning_winloss_router  # noqa: E402
from kam.workbench.api import router as workbench_router  # noqa: E402

api.add_router("/", process_metrics_router)
api.add_router("/planning", planning_approvals_router)
api.add_router("/planning", planning_initiation_router)
api.add_router("/planning", planning_bids_router)
api.add_router("/planning", planning_competition_router)
api.add_router("/planning", planning_swot_router)
api.add_router("/planning", planning_checklists_router)
api.add_router("/planning", planning_fishbone_router)
api.add_router("/planning", planning_winloss_router)
api.add_router("/planning", planning_accountplans_router)
api.add_router("/planning", planning_ogsm_router)
api.add_router("/planning", planning_reviews_router)
api.add_router("/delivery", delivery_contracts_router)
api.add_router("/delivery", delivery_payments_router)
api.add_router("/delivery", delivery_implementation_router)
api.add_router("/delivery", delivery_service_router)
api.add_router("/delivery", delivery_satisfaction_router)
api.add_router("/workbench", workbench_router)
api.add_router("/notifications", notifications_router)
api.add_router("/", notification_channels_router)

from kam.insights.learning.calibration.api import router as learning_calibration_router  # noqa: E402
from kam.insights.learning.paths.api import router as learning_paths_router  # noqa: E402
from kam.insights.learning.winprob.api import router as learning_winprob_router  # noqa: E402
from kam.team.commission.api import router as team_commission_router  # noqa: E402
from kam.team.contests.api import router as team_contests_router  # noqa: E402
from kam.team.playbook.api import router as team_playbook_router  # noqa: E402
from kam.team.skills.api import router as team_skills_router  # noqa: E402
from kam.team.stars.api import router as team_stars_router  # noqa: E402

api.add_router("/insights/learning", learning_winprob_router)
api.add_router("/insights/learning", learning_calibration_router)
api.add_router("/insights/learning", learning_paths_router)
api.add_router("/team", team_stars_router)
api.add_router("/team", team_commission_router)
api.add_router("/team", team_contests_router)
api.add_router("/team", team_skills_router)
api.add_router("/team", team_playbook_router)
