from django.urls import path

from . import views

app_name = "common"

urlpatterns = [
    path("", views.RootView.as_view(), name="root"),
    path("home/", views.HomeView.as_view(), name="home"),
]
