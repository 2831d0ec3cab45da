"""Deal strategy and account planning: initiation and approvals, bids, competitors, SWOT → TOWS,
checklists, fishbone, win/loss review. Each tool is a sub-package and a Django app of its own."""
