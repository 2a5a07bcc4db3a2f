"""Pages of the accounts app: signing in, the profile, org units and users."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, TemplateView
from rest_framework.authtoken.models import Token

from kechuang.apps.common.views import (
    PUBLIC,
    SIGNED_IN,
    ActionFormView,
    CapabilityRequiredMixin,
    Column,
    ObjectListView,
    PageMixin,
)
from kechuang.apps.tasks.runner import enqueue

from . import actions, forms
from .access import access_org_unit, access_role_assignment, access_user, users_visible_to
from .filtersets import OrgUnitFilterSet, UserFilterSet
from .models import OrgUnit, User

# --- signing in ---------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    required_capability = PUBLIC
    template_name = "accounts/login.html"
    authentication_form = forms.LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    required_capability = PUBLIC


class PasswordChangeView(CapabilityRequiredMixin, auth_views.PasswordChangeView):
    """A user changes its own password; the change is audited."""

    required_capability = SIGNED_IN
    template_name = "common/form.html"
    form_class = forms.PasswordChangeForm

    def form_valid(self, form):
        actions.do_set_password(form.user, form.cleaned_data["new_password1"], acting_user=self.request.user)
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("Your password has been changed."))
        return HttpResponseRedirect(reverse("accounts:profile"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Change password")
        context["breadcrumbs"] = [(_("My account"), reverse("accounts:profile")), (_("Change password"), None)]
        context["submit_label"] = _("Change password")
        return context


class ProfileView(PageMixin, TemplateView):
    """The signed-in user's details, roles, and API token."""

    required_capability = SIGNED_IN
    template_name = "accounts/profile.html"
    title = gettext_lazy("My account")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["assignments"] = self.request.user.role_assignments()
        context["has_token"] = Token.objects.filter(user=self.request.user).exists()
        context["new_token"] = self.request.session.pop("new_api_token", None)
        return context


class ApiTokenView(CapabilityRequiredMixin, View):
    """POST ``action=create`` issues a new token (shown once), ``action=revoke`` revokes it."""

    required_capability = SIGNED_IN
    http_method_names = ["post"]

    def post(self, request):
        if request.POST.get("action") == "revoke":
            actions.do_revoke_api_token(request.user, acting_user=request.user)
            messages.success(request, _("Your API token has been revoked."))
        else:
            token = actions.do_create_api_token(request.user, acting_user=request.user)
            request.session["new_api_token"] = token.key
        return redirect("accounts:profile")


# --- org units ----------------------------------------------------------------------


class OrgUnitListView(ObjectListView):
    required_capability = "accounts.view_orgunit"
    model = OrgUnit
    filterset_class = OrgUnitFilterSet
    title = gettext_lazy("Org units")
    export_name = "org-units"
    create_url_name = "accounts:orgunit_create"
    create_capability = "accounts.manage_orgunit"
    template_name = "accounts/orgunit_list.html"
    columns = [
        Column("code", gettext_lazy("Code"), sort="code"),
        Column("name", gettext_lazy("Name"), sort="name", link=True),
        Column("kind", gettext_lazy("Kind"), sort="kind"),
        Column("parent.name", gettext_lazy("Parent unit")),
        Column("aliases", gettext_lazy("Aliases")),
        Column("valid_to", gettext_lazy("Closed on"), sort="valid_to"),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("parent")


class OrgUnitMixin:
    capability = "accounts.view_orgunit"

    def get_unit(self) -> OrgUnit:
        if not hasattr(self, "_unit"):
            self._unit = access_org_unit(self.request.user, self.kwargs["pk"], self.required_capability)
        return self._unit

    def get_breadcrumbs(self):
        unit = self.get_unit()
        return [(_("Org units"), reverse("accounts:orgunit_list")),
                (unit.name, reverse("accounts:orgunit_detail", args=[unit.pk])),
                (self.get_title(), None)]


class OrgUnitDetailView(PageMixin, OrgUnitMixin, DetailView):
    required_capability = "accounts.view_orgunit"
    template_name = "accounts/orgunit_detail.html"

    def get_object(self, queryset=None):
        return self.get_unit()

    def get_title(self) -> str:
        return self.get_unit().name

    def get_breadcrumbs(self):
        unit = self.get_unit()
        visible = OrgUnit.objects.visible_to(self.request.user)
        crumbs = [(_("Org units"), reverse("accounts:orgunit_list"))]
        for ancestor in unit.ancestors():
            if visible.filter(pk=ancestor.pk).exists():
                crumbs.append((ancestor.name, reverse("accounts:orgunit_detail", args=[ancestor.pk])))
        crumbs.append((unit.name, None))
        return crumbs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit = self.get_unit()
        user = self.request.user
        context["unit"] = unit
        context["children"] = unit.children.all().order_by("valid_to", "code")
        context["changes"] = unit.changes.all()
        context["can_manage"] = OrgUnit.objects.visible_to(user, "accounts.manage_orgunit").filter(pk=unit.pk).exists()
        if user.has_capability("accounts.manage_user"):
            context["assignments"] = unit.role_assignments.select_related("user")
        return context


class UnitChoicesMixin:
    """Offer the open units inside the user's scope for the view's capability."""

    def unit_choices(self):
        return OrgUnit.objects.visible_to(self.request.user, self.required_capability).active()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["units"] = self.unit_choices()
        return kwargs


class OrgUnitCreateView(UnitChoicesMixin, ActionFormView):
    required_capability = "accounts.manage_orgunit"
    form_class = forms.OrgUnitCreateForm
    title = gettext_lazy("New org unit")
    success_message = gettext_lazy("The unit has been created.")


    def get_initial(self):
        parent = self.request.GET.get("parent")
        return {"parent": parent} if parent else {}

    def get_breadcrumbs(self):
        return [(_("Org units"), reverse("accounts:orgunit_list")), (self.get_title(), None)]

    def perform(self, form) -> str:
        data = form.cleaned_data
        unit = actions.do_create_org_unit(
            acting_user=self.request.user, code=data["code"].strip(), name=data["name"], kind=data["kind"],
            parent=data["parent"], aliases=data["aliases"], valid_from=data["valid_from"], source=data["source"],
        )
        return reverse("accounts:orgunit_detail", args=[unit.pk])


class OrgUnitEditView(OrgUnitMixin, ActionFormView):
    required_capability = "accounts.manage_orgunit"
    form_class = forms.OrgUnitEditForm
    title = gettext_lazy("Edit")
    success_message = gettext_lazy("The unit has been saved.")

    def get_initial(self):
        unit = self.get_unit()
        return {"kind": unit.kind, "aliases": "、".join(unit.aliases), "source": unit.source}

    def perform(self, form) -> str:
        unit = actions.do_update_org_unit(self.get_unit(), acting_user=self.request.user, **form.cleaned_data)
        return reverse("accounts:orgunit_detail", args=[unit.pk])


class OrgUnitRenameView(OrgUnitMixin, ActionFormView):
    required_capability = "accounts.manage_orgunit"
    form_class = forms.OrgUnitRenameForm
    title = gettext_lazy("Rename")
    success_message = gettext_lazy("The unit has been renamed.")

    def perform(self, form) -> str:
        data = form.cleaned_data
        unit = actions.do_rename_org_unit(self.get_unit(), data["new_name"], effective_on=data["effective_on"],
                                          acting_user=self.request.user, note=data["note"])
        return reverse("accounts:orgunit_detail", args=[unit.pk])


class OrgUnitCloseView(OrgUnitMixin, ActionFormView):
    required_capability = "accounts.manage_orgunit"
    form_class = forms.EffectiveDateForm
    title = gettext_lazy("Close")
    submit_label = gettext_lazy("Close the unit")
    success_message = gettext_lazy("The unit has been closed.")

    def perform(self, form) -> str:
        data = form.cleaned_data
        unit = actions.do_close_org_unit(self.get_unit(), effective_on=data["effective_on"],
                                         acting_user=self.request.user, note=data["note"])
        return reverse("accounts:orgunit_detail", args=[unit.pk])


class OrgUnitMergeView(OrgUnitMixin, UnitChoicesMixin, ActionFormView):
    required_capability = "accounts.manage_orgunit"
    form_class = forms.OrgUnitMergeForm
    title = gettext_lazy("Merge")
    submit_label = gettext_lazy("Merge")
    success_message = gettext_lazy("The units have been merged.")

    def unit_choices(self):
        return super().unit_choices().exclude(path__startswith=self.get_unit().path)

    def perform(self, form) -> str:
        data = form.cleaned_data
        into = actions.do_merge_org_unit(self.get_unit(), data["into"], effective_on=data["effective_on"],
                                         acting_user=self.request.user, note=data["note"])
        return reverse("accounts:orgunit_detail", args=[into.pk])


class OrgUnitImportView(ActionFormView):
    """Upload a table of org units; it is checked and written by a background task."""

    required_capability = "accounts.manage_orgunit"
    form_class = forms.ImportForm
    template_name = "accounts/orgunit_import.html"
    title = gettext_lazy("Import org units")
    submit_label = gettext_lazy("Upload and import")

    def get_breadcrumbs(self):
        return [(_("Org units"), reverse("accounts:orgunit_list")), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["columns"] = actions.IMPORT_HEADERS
        return context

    def perform(self, form) -> str:
        upload = form.cleaned_data["file"]
        task = enqueue(
            "accounts.import_org_units", acting_user=self.request.user,
            label=_("Import org units from %(file)s") % {"file": upload.name},
            params={"filename": upload.name}, input_file=upload,
        )
        return task.get_absolute_url()


# --- users --------------------------------------------------------------------------


class UserListView(ObjectListView):
    required_capability = "accounts.manage_user"
    model = User
    filterset_class = UserFilterSet
    title = gettext_lazy("Users")
    export_name = "users"
    create_url_name = "accounts:user_create"
    columns = [
        Column("username", gettext_lazy("User name"), sort="username", link=True),
        Column("name", gettext_lazy("Full name"), sort="name"),
        Column("roles_display", gettext_lazy("Roles")),
        Column("is_active", gettext_lazy("Active"), sort="is_active"),
        Column("last_login", gettext_lazy("Last login"), sort="last_login"),
    ]

    def base_queryset(self):
        return users_visible_to(self.request.user).prefetch_related("roles__org_unit")


class UserMixin:
    def get_target(self) -> User:
        if not hasattr(self, "_target"):
            self._target = access_user(self.request.user, self.kwargs["pk"])
        return self._target

    def get_breadcrumbs(self):
        target = self.get_target()
        return [(_("Users"), reverse("accounts:user_list")),
                (str(target), reverse("accounts:user_detail", args=[target.pk])),
                (self.get_title(), None)]


class UserDetailView(PageMixin, UserMixin, UnitChoicesMixin, TemplateView):
    required_capability = "accounts.manage_user"
    template_name = "accounts/user_detail.html"

    def get_title(self) -> str:
        return str(self.get_target())

    def get_breadcrumbs(self):
        return [(_("Users"), reverse("accounts:user_list")), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        from axes.models import AccessAttempt

        context = super().get_context_data(**kwargs)
        target = self.get_target()
        context["target"] = target
        context["assignments"] = target.roles.select_related("org_unit")
        context["grant_form"] = forms.RoleGrantForm(units=self.unit_choices())
        context["failed_logins"] = sum(
            AccessAttempt.objects.filter(username=target.username).values_list("failures_since_start", flat=True)
        )
        return context


class UserCreateView(UnitChoicesMixin, ActionFormView):
    required_capability = "accounts.manage_user"
    form_class = forms.UserCreateForm
    title = gettext_lazy("New user")
    success_message = gettext_lazy("The user has been created.")

    def get_breadcrumbs(self):
        return [(_("Users"), reverse("accounts:user_list")), (self.get_title(), None)]


    def perform(self, form) -> str:
        data = form.cleaned_data
        user = actions.do_create_user(
            acting_user=self.request.user, username=data["username"], name=data["name"],
            password=data["password"], email=data["email"], phone=data["phone"],
            roles=[(data["role"], data["org_unit"])],
        )
        return reverse("accounts:user_detail", args=[user.pk])


class UserEditView(UserMixin, ActionFormView):
    required_capability = "accounts.manage_user"
    form_class = forms.UserEditForm
    title = gettext_lazy("Edit")
    success_message = gettext_lazy("The user has been saved.")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        target = self.get_target()
        kwargs["instance"] = User(pk=target.pk, username=target.username, name=target.name,
                                  email=target.email, phone=target.phone, is_active=target.is_active)
        return kwargs

    def perform(self, form) -> str:
        data = form.cleaned_data
        user = actions.do_update_user(self.get_target(), acting_user=self.request.user, name=data["name"],
                                      email=data["email"], phone=data["phone"], is_active=data["is_active"])
        return reverse("accounts:user_detail", args=[user.pk])


class UserSetPasswordView(UserMixin, ActionFormView):
    required_capability = "accounts.manage_user"
    form_class = forms.SetPasswordForm
    title = gettext_lazy("Set password")
    success_message = gettext_lazy("The password has been set.")

    def form_valid(self, form):
        try:
            actions.do_set_password(self.get_target(), form.cleaned_data["password"], acting_user=self.request.user)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("password", message)
            return self.form_invalid(form)
        messages.success(self.request, str(self.success_message))
        return redirect("accounts:user_detail", pk=self.get_target().pk)


class UserUnlockView(CapabilityRequiredMixin, UserMixin, View):
    required_capability = "accounts.manage_user"
    http_method_names = ["post"]

    def post(self, request, pk):
        actions.do_unlock_user(self.get_target(), acting_user=request.user)
        messages.success(request, _("The account has been unlocked."))
        return redirect("accounts:user_detail", pk=pk)


class RoleGrantView(CapabilityRequiredMixin, UserMixin, UnitChoicesMixin, View):
    required_capability = "accounts.manage_user"
    http_method_names = ["post"]

    def post(self, request, pk):
        form = forms.RoleGrantForm(request.POST, units=self.unit_choices())
        if not form.is_valid():
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
            return redirect("accounts:user_detail", pk=pk)
        try:
            actions.do_grant_role(self.get_target(), form.cleaned_data["role"], form.cleaned_data["org_unit"],
                                  acting_user=request.user)
            messages.success(request, _("The role has been granted."))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect("accounts:user_detail", pk=pk)


class RoleRevokeView(CapabilityRequiredMixin, View):
    required_capability = "accounts.manage_user"
    http_method_names = ["post"]

    def post(self, request, pk):
        assignment = access_role_assignment(request.user, pk)
        user_pk = assignment.user_id
        try:
            actions.do_revoke_role(assignment, acting_user=request.user)
            messages.success(request, _("The role has been taken away."))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect("accounts:user_detail", pk=user_pk)
