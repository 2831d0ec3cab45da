app_name = "planning_reviews"

urlpatterns: list = []
