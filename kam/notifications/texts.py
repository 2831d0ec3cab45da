"""What a notification says, written from its stored `params` in the language active when called:
the inbox calls it in the reader's language, `notify` in both to store the titles a webhook or an
e-mail sends. Params hold names and ISO dates only (JSON), never translated text, except a record
named in both languages (a health rule), kept as `<name>` and `<name>_en`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kam.core.bilingual import in_english
from kam.notifications.models import NotificationKind

Params = Mapping[str, Any]


def _bilingual(params: Params, name: str) -> str:
    """A name stored in both languages: the English one for an English reader when there is one."""
    if in_english() and params.get(f"{name}_en"):
        return str(params[f"{name}_en"])
    return str(params.get(name, ""))


def _approval(p: Params) -> str:
    return _("Awaiting your approval: %(title)s") % {"title": p.get("title", "")}


def _flagged(p: Params) -> str:
    return _("Health flag on %(deal)s: %(rule)s") % {
        "deal": p.get("deal", ""),
        "rule": _bilingual(p, "rule"),
    }


def _sign_near(p: Params) -> str:
    days = int(p.get("days", 0))
    return ngettext(
        "%(deal)s is expected to sign in %(days)d day (%(date)s)",
        "%(deal)s is expected to sign in %(days)d days (%(date)s)",
        days,
    ) % {"deal": p.get("deal", ""), "days": days, "date": p.get("date", "")}


def _stale(p: Params) -> str:
    days = int(p.get("days", 0))
    return ngettext(
        "%(deal)s: no activity for %(days)d day",
        "%(deal)s: no activity for %(days)d days",
        days,
    ) % {"deal": p.get("deal", ""), "days": days}


def _next_step(p: Params) -> str:
    return _("Next step due %(date)s: %(step)s (%(about)s)") % {
        "date": p.get("date", ""),
        "step": p.get("step", ""),
        "about": p.get("about", ""),
    }


def _payment_due(p: Params) -> str:
    return _("Payment due %(date)s: %(instalment)s of contract %(contract)s") % {
        "date": p.get("date", ""),
        "instalment": p.get("instalment", ""),
        "contract": p.get("contract", ""),
    }


def _payment_overdue(p: Params) -> str:
    return _("Payment overdue since %(date)s: %(instalment)s of contract %(contract)s") % {
        "date": p.get("date", ""),
        "instalment": p.get("instalment", ""),
        "contract": p.get("contract", ""),
    }


def _visit_due(p: Params) -> str:
    return _("Visits due at %(customer)s: %(done)s of %(required)s done this period") % {
        "customer": p.get("customer", ""),
        "done": p.get("done", 0),
        "required": p.get("required", 0),
    }


def _plan_review(p: Params) -> str:
    return _("Account plan review due %(date)s: %(customer)s") % {
        "date": p.get("date", ""),
        "customer": p.get("customer", ""),
    }


def _sla_breach(p: Params) -> str:
    return _("SLA breached: %(number)s %(subject)s") % {
        "number": p.get("number", ""),
        "subject": p.get("subject", ""),
    }


def _digest(p: Params) -> str:
    return _("Your weekly digest")


TITLES: dict[str, Callable[[Params], str]] = {
    NotificationKind.APPROVAL_WAITING: _approval,
    NotificationKind.DEAL_FLAGGED: _flagged,
    NotificationKind.SIGN_DATE_NEAR: _sign_near,
    NotificationKind.DEAL_STALE: _stale,
    NotificationKind.NEXT_STEP_DUE: _next_step,
    NotificationKind.PAYMENT_DUE: _payment_due,
    NotificationKind.PAYMENT_OVERDUE: _payment_overdue,
    NotificationKind.VISIT_DUE: _visit_due,
    NotificationKind.PLAN_REVIEW_DUE: _plan_review,
    NotificationKind.SLA_BREACH: _sla_breach,
    NotificationKind.DIGEST: _digest,
}


def render_title(kind: str, params: Params) -> str:
    """The title in the active language; a kind this version does not know shows its code."""
    render = TITLES.get(kind)
    return render(params) if render is not None else kind


def title_for_reader(kind: str, params: Params, stored_title: str, stored_title_en: str) -> str:
    """The title shown in the inbox: rendered from params; the stored title if that fails (params
    written by an older version that no longer fit the text)."""
    try:
        return render_title(kind, params)
    except (KeyError, TypeError, ValueError):
        return stored_title_en if in_english() and stored_title_en else stored_title
