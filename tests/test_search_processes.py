"""Several processes writing at once (as gunicorn workers do): no error, no lost update."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from kb import PROJECT_ROOT, create_app
from kb.extensions import db
from kb.searching.service import search_service

WORKER = textwrap.dedent(
    """
    import sys
    from kb import create_app
    from kb.catalogue import operations
    from kb.extensions import db
    from kb.models import Request, User
    from kb.uow import unit_of_work

    worker, count, url, index_dir, email, backend, table = sys.argv[1:8]
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url,
                      "SEARCH_BACKEND": backend, "SEARCH_DIR": index_dir,
                      "SEARCH_TABLE": table, "INSTANCE_PATH": index_dir + "-instance"})
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        for i in range(int(count)):
            data = {"country_code": "KEN", "title": f"Worker{worker}item{i} first title",
                    "description": "A request written by one of several processes at once.",
                    "themes": ["awareness"], "support_types": ["training"], "languages": ["en"]}
            with unit_of_work():
                record = operations.create_request(user, data)
            with unit_of_work():  # an edit right after: the index must end with this title
                operations.update_record(user, record, {**data, "title": f"W{worker}n{i} final"})
    print("ok")
    """
)


@pytest.mark.parametrize("backend", ["whoosh", "postgres"])
def test_concurrent_writers_lose_nothing(make, database_url, tmp_path: Path, backend: str):
    if backend == "postgres" and not database_url.startswith("postgresql"):
        pytest.skip("the postgres search backend needs the suite's PostgreSQL pass")
    focal = make.user("focal_point", country="KEN")
    index_dir = str(tmp_path / "index")
    table = f"search_p_{uuid.uuid4().hex[:12]}"
    try:
        workers, per_worker = 4, 5
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    WORKER,
                    str(w),
                    str(per_worker),
                    database_url,
                    index_dir,
                    focal.email,
                    backend,
                    table,
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for w in range(workers)
        ]
        outputs = [p.communicate(timeout=180) for p in procs]
        for proc, (out, err) in zip(procs, outputs, strict=True):
            assert proc.returncode == 0 and out.strip() == "ok", err[-2000:]
            assert "LockError" not in err and "Search indexing failed" not in err, err[-2000:]

        app = create_app(
            {
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": database_url,
                "SEARCH_BACKEND": backend,
                "SEARCH_DIR": index_dir,
                "SEARCH_TABLE": table,
                "INSTANCE_PATH": tmp_path / "check-instance",
            }
        )
        with app.app_context():
            service = search_service()
            report = service.check()
            assert report.ok and report.queued == 0, report.as_dict()
            assert report.index == workers * per_worker
            from search import SearchQuery

            for w in range(workers):
                for i in range(per_worker):
                    result = service.backend.search(
                        SearchQuery(text=f"W{w}n{i}", viewer_tokens=frozenset({"secretariat"}))
                    )
                    assert [h.title for h in result.hits] == [f"W{w}n{i} final"]
            service.backend.close()
            db.session.remove()
            db.engine.dispose()
    finally:
        if backend == "postgres":  # the backend's own tables, in the test database
            from search import get_backend

            tables = get_backend("postgres", url=database_url, table=table)
            tables.drop()
            tables.close()
