from ninja import Router

router = Router(tags=["learning calibration"])
