from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Customer accounts"

    def ready(self):
        from accounts import tabs

        tabs.register()
        from accounts.contacts import tabs as contact_tabs

        contact_tabs.register()
