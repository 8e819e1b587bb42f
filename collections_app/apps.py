from django.apps import AppConfig


class CollectionsConfig(AppConfig):
    # The folder is not called `collections`: that would shadow Python's standard library.
    name = "collections_app"
    label = "collections"
    verbose_name = "Collections"

    def ready(self):
        from collections_app import extensions

        extensions.register()
