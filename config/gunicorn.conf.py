"""gunicorn settings of the run command (`scripts/run` passes `-c config/gunicorn.conf.py`; so
should any deployment that starts gunicorn itself).

Threads rather than sync workers: a sync worker reads a request's body itself, so a few clients
sending uploads at a byte a second hold every worker and the site stops answering. A gthread
worker holds one thread per such client and keeps answering with the others, and waits for a
request's first bytes without holding a thread at all. The real defense is a reverse proxy that
buffers whole requests before passing them on (README, "Operating it"); this keeps the run
command standing without one.
"""

import os

worker_class = "gthread"
# Threads per worker: each is one request in progress (a slow upload included).
threads = int(os.getenv("WEB_THREADS", "8"))
