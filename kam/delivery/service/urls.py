
app_name = "delivery_service"

urlpatterns: list = []
