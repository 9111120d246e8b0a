"""gunicorn settings of the run command (`scripts/run` passes `-c config/gunicorn.conf.py`; so
should any deployment that starts gunicorn itself).

Threads rather than sync workers: a sync worker reads a request's body itself, so a few clients
sending uploads at a byte a second hold every worker and the site stops answering. A gthread
worker holds one thread per such client (a slow body, and slow headers too: the thread reads
them) and keeps answering with the others. The real defense is a reverse proxy that buffers
whole requests before passing them on (deploy/nginx.conf; README, "Slow clients"); this keeps
the run command standing without one.

Change the number of threads with WEB_THREADS, not `--threads`: the connection limit below
follows it.
"""

import os

worker_class = "gthread"
# Threads per worker: each is one request in progress (a slow upload included).
threads = int(os.getenv("WEB_THREADS", "8"))
# A worker accepts no more connections than it has threads. By default it accepts up to 1,000
# and queues them behind its busy threads, while the other workers' threads may be free: the
# kernel hands each new connection to whichever worker asks first, so slow clients piled up
# unevenly and /healthz stopped answering at 11-14 slow-header (16-19 slow-body) clients on
# 3 workers x 8 threads. With this limit a worker whose threads are all taken leaves new
# connections to the others, and the site answers until every thread holds a slow client.
worker_connections = threads
# No kept-alive connections: each would count against that limit while idle. A new connection
# per request costs little on the loopback or the LAN that the proxy talks over.
keepalive = 0
