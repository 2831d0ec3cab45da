"""The pipeline table under every sort it offers: the first page and the 100th, as the director
(everything) and as a regional manager (the deals of their teams' people, and their own deal
teams), and the first page as the benchmark's rep (the deals they own or are on the deal team of;
a rep's few thousand deals have no 100th page).

The 100th page is reached by following the cursors once (untimed, remembered per sort and viewer);
the timed run reads that page from its cursor, as a user paging on would. Each result's figures are
the page's ids, so a run that returns another page shows as a difference between runs.

The API list (`GET /api/v1/opportunities`, 50 rows with their flags, relationship scores and the
totals) is timed the same way as each viewer under every sort, the first page and (director and
manager) the 100th, from the same cursor: the request as a client signed in as that viewer sends it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

SORTS = (
    "name",
    "number",
    "customer",
    "-customer",
    "owner",
    "stage",
    "-stage",
    "sign_date",
    "-updated",
    "-severity",
)
PAGE = 50
DEEP = 100

_cursors: dict[tuple[str, int], str | None] = {}


def _filters() -> Any:
    from kam.opportunities.selectors import PipelineFilters

    return PipelineFilters(status="open")


def _cursor_of_page(user: Any, sort: str, number: int) -> str | None:
    """The cursor that opens page `number` (1-based) of the open deals in this sort."""
    from kam.opportunities.selectors import pipeline_page

    key = (sort, user.pk)
    if key not in _cursors:
        cursor = None
        for _page in range(number - 1):
            cursor = pipeline_page(user, _filters(), sort, cursor=cursor, limit=PAGE).next_cursor
            if cursor is None:
                break
        _cursors[key] = cursor
    return _cursors[key]


def _runner(sort: str, viewer: str, deep: bool) -> Callable[[Any], list[int]]:
    def run(ctx: Any) -> list[int]:
        from kam.opportunities.selectors import attach_relationship_scores, pipeline_page

        user = getattr(ctx, viewer)
        cursor = _cursor_of_page(user, sort, DEEP) if deep else None
        page = pipeline_page(user, _filters(), sort, cursor=cursor, limit=PAGE)
        attach_relationship_scores(page.rows)
        return [o.pk for o in page.rows]

    return run


def _reference(sort: str, viewer: str, deep: bool) -> Callable[[Any], list[int]]:
    """The same page in one statement: the whole visible list in the sort's ORDER BY, with OFFSET."""

    def reference(ctx: Any) -> list[int]:
        from kam.access.visibility import opportunities_for
        from kam.opportunities.models import Opportunity
        from kam.opportunities.selectors import apply_filters, sort_pipeline

        user = getattr(ctx, viewer)
        # A manager's rows as `owner in the subtree OR a deal-team member` (the same rows as the
        # `id IN (…)` form; over a region's 150,000 ids that form sorted by customer name ran for
        # minutes on PostgreSQL).
        visible = opportunities_for(user, Opportunity.objects.all(), in_sort_order=True)
        ordered, _sort = sort_pipeline(apply_filters(visible, _filters()), sort)
        offset = (DEEP - 1) * PAGE if deep and _cursor_of_page(user, sort, DEEP) else 0
        return list(ordered.values_list("pk", flat=True)[offset : offset + PAGE])

    return reference


def first_page_reference(sort: str, viewer: str) -> Callable[[Any], list[int]]:
    """The first page of the open list under `sort` as `viewer` (a Context attribute) sees it, in
    one statement: the API list scenarios' reference."""
    return _reference(sort, viewer, False)


_CLIENTS = {"director": "client", "manager": "manager_client", "rep": "rep_client"}

# Who reads which pages: (name prefix, label prefix, viewer, the 100th page?). A rep's few thousand
# deals have no 100th page.
VIEWS = (
    ("", "", "director", False),
    ("", "", "director", True),
    ("manager_", "as a manager: ", "manager", False),
    ("manager_", "as a manager: ", "manager", True),
    ("rep_", "as a rep: ", "rep", False),
)

# The API's answer as `api_get` (benchmarks.run._api_get) gives it, and the figures read from it
# when compared, outside the timed runs.
ApiGet = Callable[[Any, str, dict[str, Any]], Any]


def _api_runner(sort: str, viewer: str, deep: bool, api_get: ApiGet) -> Callable[[Any], Any]:
    def run(ctx: Any) -> Any:
        params: dict[str, Any] = {"status": "open", "sort": sort, "limit": PAGE}
        cursor = _cursor_of_page(getattr(ctx, viewer), sort, DEEP) if deep else None
        if cursor:
            params["cursor"] = cursor
        return api_get(replace(ctx, client=getattr(ctx, _CLIENTS[viewer])), "/api/v1/opportunities", params)

    return run


def _ids(result: list[int]) -> list[int]:
    return result


def _item_ids(body: Any) -> list[int]:
    return [item["id"] for item in body["items"]]


# (scenario name, label, run, the figures of its result, reference)
Case = tuple[str, str, Callable[[Any], Any], Callable[[Any], list[int]], Callable[[Any], list[int]]]


def cases(api_get: ApiGet) -> list[Case]:
    """The pipeline table's and the API list's scenarios for each sort, page and viewer."""
    found: list[Case] = []
    for sort in SORTS:
        slug = sort.replace("-", "desc_")
        for prefix, who, viewer, deep in VIEWS:
            suffix, page = ("_deep", f"page {DEEP}") if deep else ("", "page 1")
            reference = _reference(sort, viewer, deep)
            found.append(
                (
                    f"{prefix}sort_{slug}{suffix}",
                    f"{who}pipeline table, open, by {sort}, {page}",
                    _runner(sort, viewer, deep),
                    _ids,
                    reference,
                )
            )
            found.append(
                (
                    f"{prefix}api_sort_{slug}{suffix}",
                    f"{who}API list, open, by {sort}, {page}",
                    _api_runner(sort, viewer, deep, api_get),
                    _item_ids,
                    reference,
                )
            )
    return found
