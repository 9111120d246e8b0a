from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "challenge.accounts"
    label = "accounts"
    verbose_name = "Accounts, sign-in and rate limits"
