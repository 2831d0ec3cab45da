"""A factor of a learned probability in words: "decision maker at CR1: −18 points". Stored as
codes and numbers; written when read, in the reader's language. Imports no model, so the
records and the lower layers' templates (through WinPrediction) may use it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def _level(level: Any) -> str:
    return f"CR{level}" if level else _("no relationship")


def factor_words(code: str, facts: dict[str, Any]) -> str:
    """What the factor is, for this deal, in the reader's language."""
    f = facts
    if code == "stage":
        return _("at stage %(stage)s") % {"stage": f.get("stage") or "?"}
    if code == "time_in_stage":
        return _("%(days)s days in the stage") % {"days": f.get("days_in_stage", 0)}
    if code == "age":
        return _("open for %(days)s days") % {"days": f.get("age", 0)}
    if code == "slips":
        n = f.get("slips") or 0
        if not n:
            return _("sign date never moved later")
        return ngettext(
            "sign date moved later once (%(days)s days)",
            "sign date moved later %(n)s times (%(days)s days)",
            n,
        ) % {"n": n, "days": f.get("slip_days", 0)}
    if code == "sign_date":
        days = f.get("days_to_sign")
        if days is None:
            return _("no expected sign date")
        if days < 0:
            return _("sign date passed %(days)s days ago") % {"days": -days}
        return _("sign date in %(days)s days") % {"days": days}
    if code == "amount":
        if f.get("amount") is None:
            return _("no amount")
        text = f"{f['amount'] / 10000:,.0f}"
        if f.get("amount_range"):
            return _("amount still a range (about %(amount)s ten thousand)") % {"amount": text}
        return _("amount %(amount)s ten thousand") % {"amount": text}
    if code == "decision_maker":
        if not f.get("dm"):
            return _("no decision maker in the decision chain")
        level = _level(f.get("dm_level"))
        if f.get("dm_opposed"):
            return _("decision maker at %(level)s, opposed") % {"level": level}
        if f.get("dm_support"):
            return _("decision maker at %(level)s, supports us") % {"level": level}
        return _("decision maker at %(level)s") % {"level": level}
    if code == "approvers":
        if f.get("approver_opposed"):
            return _("an approver opposes")
        if not f.get("approver"):
            return _("no approver in the decision chain")
        return _("approvers at %(level)s at best") % {"level": _level(f.get("approver_level"))}
    if code == "coach":
        return _("a coach on the deal") if f.get("coach") else _("no coach on the deal")
    if code == "coverage":
        return _("%(n)s people in the decision chain, %(strong)s at CR3 or above") % {
            "n": f.get("chain_size", 0),
            "strong": f.get("threads", 0),
        }
    if code == "competition":
        n = f.get("competitors") or 0
        if not n:
            return _("no competitor known")
        return ngettext("one competitor", "%(n)s competitors", n) % {"n": n}
    if code == "owner_history":
        return _("owner won %(rate)s%% of %(n)s closed deals") % {
            "rate": f.get("owner_rate", 0),
            "n": f.get("owner_closed", 0),
        }
    if code == "customer_history":
        if not f.get("customer_closed"):
            return _("no closed deal with this customer yet")
        return _("customer: %(rate)s%% of %(n)s closed deals won") % {
            "rate": f.get("customer_rate", 0),
            "n": f.get("customer_closed", 0),
        }
    if code == "tier":
        return _("customer tier %(tier)s") % {"tier": f.get("tier", "")}
    return code


def points_text(points: int) -> str:
    sign = "+" if points > 0 else "−" if points < 0 else "±"
    return _("%(sign)s%(points)s points") % {"sign": sign, "points": abs(points)}


@dataclass
class Factor:
    code: str
    points: int
    words: str

    @property
    def text(self) -> str:
        """ "decision maker at CR1: −18 points"."""
        return _("%(factor)s: %(points)s") % {"factor": self.words, "points": points_text(self.points)}


def factor_list(stored: list[dict[str, Any]] | None) -> list[Factor]:
    """A stored prediction's factors (codes, points, numbers) in words."""
    return [
        Factor(code=f["code"], points=int(f["points"]), words=factor_words(f["code"], f.get("facts") or {}))
        for f in stored or []
    ]


def group_label(code: str) -> str:
    """A factor group's name on the backtest page (the features the model reads)."""
    labels = {
        "stage": _("stage"),
        "time_in_stage": _("days in the stage"),
        "age": _("days open"),
        "slips": _("sign-date slips"),
        "sign_date": _("sign date (passed, near, far)"),
        "amount": _("amount and whether it is a range"),
        "decision_maker": _("decision maker: present, CR level, stance"),
        "approvers": _("approvers: CR level, opposition"),
        "coach": _("a coach"),
        "coverage": _("coverage: people in the chain, at CR3 or above"),
        "competition": _("competitors"),
        "owner_history": _("owner's past win rate"),
        "customer_history": _("customer's past win rate"),
        "tier": _("customer tier"),
    }
    return str(labels.get(code, code))
