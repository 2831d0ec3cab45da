app_name = "planning_ogsm"

urlpatterns: list = []
