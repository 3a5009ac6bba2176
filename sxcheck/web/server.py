"""Running the web service: the app under uvicorn, the check workers beside it.

The first start says how to make the first admin when the store has none. The
workers are started before the server accepts requests and stopped after it
stops (Ctrl-C, SIGTERM); a job a stopped worker had not finished is queued again
by the next start (store.jobs.requeue_stale), so nothing is lost.
"""

from __future__ import annotations

import click

from sxcheck.web.settings import WebSettings


def run_server(settings: WebSettings, host: str, port: int) -> None:
    import uvicorn

    from sxcheck.store.accounts import count_admins
    from sxcheck.web import thumbnails
    from sxcheck.web.app import create_app
    from sxcheck.web.worker import WorkerPool

    app = create_app(settings)
    store = app.state.store
    if count_admins(store) == 0:
        click.echo(
            "尚无管理员账号。先创建一个：sxcheck users add 管理员名 --role admin"
            + (f" --db {settings.db}" if settings.db else ""),
            err=True,
        )
    pool = WorkerPool(settings)
    pool.start()
    click.echo(
        f"sxcheck serve：http://{host}:{port}/ （存储 {store.shown}；上传存于 {settings.uploads()}；"
        f"{settings.workers} 个检查进程）",
        err=True,
    )
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        pool.stop()
        thumbnails.shutdown()
