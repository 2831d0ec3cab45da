from django.urls import path

from kam.activities.plans import views

urlpatterns = [
    path("", views.my_plans, name="mine"),
    path("team/", views.team_plans, name="team"),
    path("<id:pk>/", views.plan_detail, name="detail"),
    path("<id:pk>/notes/", views.plan_notes, name="notes"),
    path("<id:pk>/goals/", views.goal_add, name="goal_add"),
    path("<id:pk>/goals/<id:goal_pk>/achieved/", views.goal_achieved, name="goal_achieved"),
    path("<id:pk>/goals/<id:goal_pk>/edit/", views.goal_edit, name="goal_edit"),
    path("<id:pk>/goals/<id:goal_pk>/delete/", views.goal_delete, name="goal_delete"),
    path("<id:pk>/activities/", views.activity_add, name="activity_add"),
    path("<id:pk>/comments/", views.comment_add, name="comment_add"),
]
