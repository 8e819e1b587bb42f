"""gunicorn settings for a UtilityClerk app server: `gunicorn -c deploy/gunicorn.conf.py`.

Sized from the machine's CPU count; every value can be overridden from the environment
(the systemd unit reads /etc/utilityclerk/utilityclerk.env). The app keeps no state in the
process, so any number of these servers run behind the load balancer against one PostgreSQL.
"""

import multiprocessing
import os

wsgi_app = "utilityclerk.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")

# Workers: gunicorn's rule of thumb, 2 x cores + 1. Each worker runs threads so a slow PDF
# does not hold a whole process; every thread holds at most one database connection, so
# hosts x workers x threads stays under PostgreSQL's max_connections (or DATABASE_POOL /
# PgBouncer caps it; README, "Deploying").
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# A request is a few database round trips; a PDF a second or two. A worker stuck longer is
# restarted by the arbiter (the request fails; the client's form key makes a retry safe).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never becomes an outage.
max_requests = 2000
max_requests_jitter = 200

# The app writes one JSON line per request to stdout (utilityclerk/logs.py): no second,
# plain-text access log from gunicorn. gunicorn's own messages go to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
capture_output = False

# Behind the load balancer: trust its X-Forwarded-* only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips
