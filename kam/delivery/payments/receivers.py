"""Payments follow their contract: the contracts code (below this package) writes a history line on
every change, and the line names the fields that moved. When the amount moved (an amendment, a
draft's edit) the percentage instalments are re-derived; when the amount or the status moved the
customer's overdue figures are refreshed (a contract counts once signed). Inside the writing
transaction, so both commit together."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from kam.delivery.models import Contract, DeliveryChange
from kam.delivery.payments import services


@receiver(post_save, sender=DeliveryChange, dispatch_uid="delivery_payments_follow_contract")
def follow_contract(sender: Any, instance: DeliveryChange, created: bool, **kwargs: Any) -> None:
    if not created or instance.record != "contract" or not instance.contract_id:
        return
    changes = instance.changes if isinstance(instance.changes, dict) else {}
    if "amount" in changes:
        contract = Contract.objects.filter(pk=instance.contract_id).first()
        if contract is not None:
            services.follow_contract_amount(contract, by=instance.changed_by)
    if "amount" in changes or "status" in changes:
        services.refresh_care([instance.customer_id])
