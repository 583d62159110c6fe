"""gunicorn settings for production (`scripts/serve`):

    gunicorn -c webapp/gunicorn_conf.py "webapp:create_app()"

Everything comes from the environment, like the app's own settings:
  MAKERSPACE_BIND              address(es) to listen on, comma-separated (default 127.0.0.1:8000: behind a proxy)
  MAKERSPACE_WORKERS           worker processes (default 2 × CPUs + 1)
  MAKERSPACE_WORKER_TIMEOUT    seconds a request may run before its worker is killed and replaced (default 60):
                               a backstop for a hung worker, far above any page's time
  MAKERSPACE_GRACEFUL_TIMEOUT  seconds to finish requests in flight after SIGTERM or a reload (default 30)
  MAKERSPACE_ACCESS_LOG        1: gunicorn's access lines too, with the request id (default off: the app
                               writes its own line per request, logger webapp.request)
  MAKERSPACE_LOG_FORMAT        json (default here) or plain; MAKERSPACE_LOG_LEVEL (default INFO)

Starting creates no tables and no demo data: run `flask --app webapp db upgrade` and `flask --app webapp
deploy` first. SIGTERM stops gracefully (exit 0); SIGHUP reloads the code and settings with new workers.
gunicorn 23 sends `Server: gunicorn`, no version and no Python.
"""

import os

from webapp.observability import logging_config


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


wsgi_app = "webapp:create_app()"
bind = [address.strip() for address in os.environ.get("MAKERSPACE_BIND", "127.0.0.1:8000").split(",") if address.strip()]
# Sync workers, one request each at a time: the app is CPU-bound Python (the workflow engine), so
# processes, not threads, use the cores; slow clients are the reverse proxy's business.
# the CPUs this process may use (a container's limit), where the OS says
_cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
workers = _int("MAKERSPACE_WORKERS", 2 * _cpus + 1)
timeout = _int("MAKERSPACE_WORKER_TIMEOUT", 60)
graceful_timeout = _int("MAKERSPACE_GRACEFUL_TIMEOUT", 30)
proc_name = "makerspace"

# Each worker imports the app itself (no preload): no database connection or engine state is shared
# across fork, and SIGHUP brings new code with new workers.
preload_app = False

_log_format = os.environ.get("MAKERSPACE_LOG_FORMAT") or "json"
_log_level = os.environ.get("MAKERSPACE_LOG_LEVEL") or "INFO"
loglevel = _log_level.lower()
errorlog = "-"
# gunicorn's loggers go through the app's handler: one format, one stream (stderr).
logconfig_dict = logging_config(_log_format, _log_level, access_log=os.environ.get("MAKERSPACE_ACCESS_LOG") == "1")
# remote address, request line, status, bytes, duration in ms, and the request id the app echoed
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'


def post_worker_init(worker) -> None:
    """The worker has imported the app: freeze what start-up made, so collections skip it (webapp/heap.py)."""
    from webapp.heap import settle

    settle()
