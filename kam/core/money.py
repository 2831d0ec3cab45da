"""How large an amount of money kam stores.

SQLite keeps a decimal column as a double, which holds 15 significant digits exactly: with two
decimal places that is 9,999,999,999,999.99 yuan (ten trillion), plenty for any deal or customer.
A 16th digit would come back rounded, and a value rounded past the column's digits cannot be read
at all, so every stored amount is limited to what both SQLite and PostgreSQL keep exactly.
"""

from decimal import Decimal

MONEY_DIGITS = 15
MONEY_PLACES = 2
MAX_MONEY = Decimal("9999999999999.99")
