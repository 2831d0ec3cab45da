
app_name = "delivery_satisfaction"

urlpatterns: list = []
