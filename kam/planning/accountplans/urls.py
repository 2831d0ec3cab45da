app_name = "planning_accountplans"

urlpatterns: list = []
