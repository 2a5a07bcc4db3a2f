from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("me/", views.ProfileView.as_view(), name="profile"),
    path("me/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("me/token/", views.ApiTokenView.as_view(), name="api_token"),
    path("units/", views.OrgUnitListView.as_view(), name="orgunit_list"),
    path("units/new/", views.OrgUnitCreateView.as_view(), name="orgunit_create"),
    path("units/import/", views.OrgUnitImportView.as_view(), name="orgunit_import"),
    path("units/<int:pk>/", views.OrgUnitDetailView.as_view(), name="orgunit_detail"),
    path("units/<int:pk>/edit/", views.OrgUnitEditView.as_view(), name="orgunit_edit"),
    path("units/<int:pk>/rename/", views.OrgUnitRenameView.as_view(), name="orgunit_rename"),
    path("units/<int:pk>/close/", views.OrgUnitCloseView.as_view(), name="orgunit_close"),
    path("units/<int:pk>/merge/", views.OrgUnitMergeView.as_view(), name="orgunit_merge"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/new/", views.UserCreateView.as_view(), name="user_create"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/edit/", views.UserEditView.as_view(), name="user_edit"),
    path("users/<int:pk>/password/", views.UserSetPasswordView.as_view(), name="user_set_password"),
    path("users/<int:pk>/unlock/", views.UserUnlockView.as_view(), name="user_unlock"),
    path("users/<int:pk>/roles/", views.RoleGrantView.as_view(), name="role_grant"),
    path("roles/<int:pk>/revoke/", views.RoleRevokeView.as_view(), name="role_revoke"),
]
