from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_batch: ContextVar[list[bool] | None] = ContextVar("checklists_batch", default=None)


@contextmanager
def one_rescan() -> Iterator[None]:
    """Write many questions or sections (a re-seed) and ask for one rescan at the end, not one per
    question and per stage list."""
    changed: list[bool] = []
    token = _batch.set(changed)
    try:
        yield
    finally:
        _batch.reset(token)
    if changed:
        from kam.insights.health.tasks import request_rescan

        request_rescan()


def _templates_changed(sender: Any, **kwargs: Any) -> None:
    """A question or section added, edited, switched off or tied to other stages: every open deal's
    completeness may have moved, so the health flags are rescanned in the background."""
    if kwargs.get("raw"):
        return  # loaddata
    if not str(kwargs.get("action", "post_")).startswith("post_"):
        return  # m2m_changed sends pre_ and post_: act once
    batch = _batch.get()
    if batch is not None:
        batch.append(True)
        return
    from kam.insights.health.tasks import request_rescan

    request_rescan()


class ChecklistsConfig(AppConfig):
    name = "kam.planning.checklists"
    label = "planning_checklists"
    verbose_name = _("Strategy checklists")

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from kam.planning import tools
        from kam.planning.checklists.models import ChecklistQuestion, ChecklistSection
        from kam.planning.checklists.selectors import state

        tools.register(
            tools.Tool(
                key="checklists",
                title=_("Strategy checklists"),
                url_name="planning_checklists:opportunity",
                order=60,
                state=state,
            )
        )
        for model in (ChecklistQuestion, ChecklistSection):
            post_save.connect(
                _templates_changed, sender=model, dispatch_uid=f"checklists.{model.__name__}.saved"
            )
            post_delete.connect(
                _templates_changed, sender=model, dispatch_uid=f"checklists.{model.__name__}.deleted"
            )
        m2m_changed.connect(
            _templates_changed, sender=ChecklistQuestion.stages.through, dispatch_uid="checklists.stages"
        )
