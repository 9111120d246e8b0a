import os

from django.core.wsgi import get_wsgi_application

from config.heap import keep_freed_memory

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
keep_freed_memory()  # each web worker imports this module as it starts (config/heap.py says why)
application = get_wsgi_application()
