from ninja import Router

router = Router(tags=["account plans"])
