from ninja import Router

router = Router(tags=["learning winprob"])
