from django.urls import path

from challenge.teams import views

app_name = "teams"

urlpatterns = [
    path("years/<slug:slug>/teams/new/", views.create, name="create"),
    path("teams/", views.mine, name="mine"),
    path("teams/<int:pk>/", views.detail, name="detail"),
    path("teams/<int:pk>/leave/", views.leave, name="leave"),
    path("teams/<int:pk>/invite/", views.rotate_invite, name="rotate-invite"),
    path("teams/<int:pk>/invite/email/", views.invite_by_email, name="invite-email"),
    path("teams/<int:pk>/rename/", views.rename, name="rename"),
    path("teams/<int:pk>/members/<int:user_pk>/remove/", views.remove_member, name="remove-member"),
    path("teams/join/<str:token>/", views.join, name="join"),
]
