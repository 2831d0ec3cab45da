"""How much text a person may type into each kind of field, in characters: the same numbers for the
pages' forms and the API's bodies, so both refuse the same input with the same message.

A name or a short field keeps its column's own length (100 or 200); these are for the rest.
"""

from __future__ import annotations

SEARCH_MAX = 200  # a search box or a filter's text
SHORT_TEXT_MAX = 2_000  # a reason or a note on one change (a stage move, a close, a level change)
NOTE_MAX = 10_000  # the notes on a record
