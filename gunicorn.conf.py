"""gunicorn's settings for Capacity Exchange (read from the working directory: ``make serve``,
``bench/http_bench.py`` and a plain ``gunicorn 'kb:create_app()'`` run from the project root).

Command-line options still win. Each worker views the main pages once before it takes a
connection (:mod:`kb.ops.warmup`); set ``KB_WARMUP=0`` to skip that.
"""

import os


def post_worker_init(worker):
    if os.environ.get("KB_WARMUP", "1") != "0":
        from kb.ops.warmup import warm

        warm(worker.wsgi)
