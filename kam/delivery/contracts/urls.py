
app_name = "delivery_contracts"

urlpatterns: list = []
