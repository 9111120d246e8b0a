"""The Django admin, with its own password-change form behind the sign-in brake.

Django's admin changes the signed-in person's password with a form of its own
(/admin/password_change/), which checks the old password without any brake; this site is the
default admin site (challenge.accounts.apps.BrakedAdminConfig) and gives that page the site's
password-change view: the old password is braked like sign-in, and a new password replaces the
API token. Everything else is Django's.
"""

from django.contrib.admin import AdminSite
from django.urls import reverse

from challenge.accounts.forms import AdminSitePasswordChangeForm
from challenge.accounts.views import PasswordChangeView


class BrakedAdminSite(AdminSite):
    def password_change(self, request, extra_context=None):
        defaults = {
            "form_class": AdminSitePasswordChangeForm,
            "success_url": reverse("admin:password_change_done", current_app=self.name),
            "extra_context": {**self.each_context(request), **(extra_context or {})},
        }
        if self.password_change_template is not None:
            defaults["template_name"] = self.password_change_template
        request.current_app = self.name
        return PasswordChangeView.as_view(**defaults)(request)
