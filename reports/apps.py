from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        from django.db.models.signals import post_migrate

        from reports import deposits, refunds, registry
        from reports.models import ensure_gl_chart

        registry.register()
        refunds.register()
        deposits.register()
        post_migrate.connect(ensure_gl_chart, sender=self)
