
app_name = "delivery_payments"

urlpatterns: list = []
