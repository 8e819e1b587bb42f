from django.apps import AppConfig


class PermitsConfig(AppConfig):
    name = "permits"
    verbose_name = "Permits and planning"

    def ready(self):
        from django.db.models.signals import post_migrate

        from permits import extensions
        from permits.defaults import ensure_permit_types

        extensions.register()
        # A permit's refund due is paid when its refund is approved (payments.refunds).
        from payments.refunds.services import refund_listener
        from permits.services import refund_decided

        refund_listener(refund_decided)
        post_migrate.connect(ensure_permit_types, sender=self)
