"""The strategy tools a deal's page lists: each tool's app registers itself when it loads.

A tool is a title, the URL name of its page for one opportunity (taking the opportunity's id as
`pk`), and a one-line state ("approved", "3 of 12 answered") read for the panel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import NoReverseMatch, reverse

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from kam.opportunities.models import Opportunity
    from kam.org.models import User


@dataclass(frozen=True)
class Tool:
    key: str
    title: str | Promise
    url_name: str
    order: int = 100
    state: Callable[[Opportunity, User], str] | None = None


_tools: dict[str, Tool] = {}


def register(tool: Tool) -> Tool:
    _tools[tool.key] = tool
    return tool


def for_opportunity(opportunity: Opportunity, user: User) -> list[dict[str, str]]:
    """The tools in their order, each with its page's address and its state for this deal."""
    rows = []
    for tool in sorted(_tools.values(), key=lambda t: (t.order, t.key)):
        try:
            url = reverse(tool.url_name, kwargs={"pk": opportunity.pk})
        except NoReverseMatch:
            continue
        rows.append(
            {
                "key": tool.key,
                "title": str(tool.title),
                "url": url,
                "state": tool.state(opportunity, user) if tool.state else "",
            }
        )
    return rows
