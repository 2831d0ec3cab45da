"""Every write to a bid: start it, edit its assessment, costs and plan, decide bid or no-bid, send the
price for approval, record the outcome. Each is one transaction with its history row; each names
the bid's version it read (a stale one is a ConflictError)."""

from kam.planning.bids.selectors import BID_PRICE_FLOW
from kam.planning.bids.services.common import BID_FIELDS, NO_BID_REASON, check_editable
from kam.planning.bids.services.decisions import (
    decide_bid,
    decide_no_bid,
    next_stage,
    on_price_decided,
    record_outcome,
    submit_price,
)
from kam.planning.bids.services.editing import (
    ITEM_KINDS,
    ItemKind,
    add_item,
    delete_bids,
    delete_item,
    set_role,
    start_bid,
    update_bid,
    update_item,
)

__all__ = [
    "BID_FIELDS",
    "BID_PRICE_FLOW",
    "ITEM_KINDS",
    "NO_BID_REASON",
    "ItemKind",
    "add_item",
    "check_editable",
    "decide_bid",
    "decide_no_bid",
    "delete_bids",
    "delete_item",
    "next_stage",
    "on_price_decided",
    "record_outcome",
    "set_role",
    "start_bid",
    "submit_price",
    "update_bid",
    "update_item",
]
