from django.urls import path

from kam.insights.learning.winprob import views

app_name = "learning_winprob"

urlpatterns = [
    path("winprob/", views.backtest, name="backtest"),
    path("winprob/train/", views.retrain, name="train"),
]
