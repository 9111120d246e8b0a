"""The Django admin's app configuration, in a module of its own (a module that imports Django's
AdminConfig cannot also hold an app's default configuration)."""

from django.contrib.admin.apps import AdminConfig


class BrakedAdminConfig(AdminConfig):
    """Django's admin, as the default admin site with the password change braked (admin_site.py)."""

    default_site = "challenge.accounts.admin_site.BrakedAdminSite"
