
app_name = "delivery_implementation"

urlpatterns: list = []
