"""`sxcheck serve` and `sxcheck users`: registered on the CLI group by `register`, so the
CLI module stays thin and `sxcheck --help` imports nothing of the web (Starlette,
uvicorn and argon2 are imported when a command runs)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

ROLES = ("city", "auditor", "reviewer", "admin")


def register(
    main: click.Group,
    db_option: Callable[[Any], Any],
    user_errors: Any,
    limit_options: Callable[[Any], Any],
) -> None:
    @main.command()
    @click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
    @click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
    @db_option
    @click.option(
        "--data-dir",
        type=click.Path(path_type=Path, file_okay=False),
        help="Uploads and the session key (default: beside a SQLite store, else the user's data folder).",
    )
    @click.option(
        "--workers",
        default=2,
        show_default=True,
        type=click.IntRange(1, 64),
        help="Background check processes.",
    )
    @click.option("--scheduler", help="A Dask scheduler address: checks run on its workers.")
    @click.option(
        "--https-only", is_flag=True, help="Mark the session cookie Secure (behind a TLS proxy)."
    )
    @limit_options
    @user_errors
    def serve(
        host: str,
        port: int,
        db: str | None,
        data_dir: Path | None,
        workers: int,
        scheduler: str | None,
        https_only: bool,
        doc_timeout: float,
        doc_memory: int,
        run_timeout: float,
    ) -> None:
        """The web service: cities upload and read their pre-check, auditors and reviewers
        read every region's trail and decide."""
        from sxcheck.web.server import run_server
        from sxcheck.web.settings import WebSettings

        settings = WebSettings(
            db=db,
            data_dir=data_dir,
            workers=workers,
            scheduler=scheduler,
            https_only=https_only,
            doc_seconds=doc_timeout,
            doc_memory_mb=doc_memory,
            run_seconds=run_timeout,
        )
        run_server(settings, host, port)

    @main.group()
    def users() -> None:
        """Accounts of `sxcheck serve`: add, list, disable."""

    @users.command("add")
    @click.argument("name")
    @click.option(
        "--role", required=True, type=click.Choice(ROLES), help="What the account may do."
    )
    @click.option("--region", help="A city account's region (it sees only that region).")
    @click.option(
        "--password-stdin",
        is_flag=True,
        help="Read the password from the first line of stdin (for scripts) instead of asking.",
    )
    @click.option(
        "--replace", is_flag=True, help="Change an existing account's role, region and password."
    )
    @db_option
    @user_errors
    def users_add(
        name: str,
        role: str,
        region: str | None,
        password_stdin: bool,
        replace: bool,
        db: str | None,
    ) -> None:
        """Add an account (the password is asked for twice, never given on the command line)."""
        from sxcheck.errors import SxcheckError
        from sxcheck.store import open_store
        from sxcheck.store.accounts import save_user
        from sxcheck.web.passwords import hash_password

        if role == "city" and not region:
            raise SxcheckError("城市账号须用 --region 指定所属地区，例如 --region 晋阳市")
        if role != "city" and region:
            raise SxcheckError("只有城市账号（--role city）属于一个地区；其他角色可查看全部地区")
        if not name.strip() or len(name) > 200:
            raise SxcheckError("账号名不能为空，且不超过 200 个字符")
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
        try:
            hashed = hash_password(password)
        except ValueError as exc:
            raise SxcheckError(str(exc)) from None
        store = open_store(db)
        new = save_user(store, name, role, region, hashed, replace)
        where = f"，地区 {region}" if region else ""
        click.echo(
            f"{'已添加' if new else '已更新'}账号 {name}（{role}{where}），存于 {store.shown}",
            err=True,
        )

    @users.command("list")
    @db_option
    @user_errors
    def users_list(db: str | None) -> None:
        """The accounts: name, role, region, created, disabled."""
        from sxcheck.store import open_store
        from sxcheck.store.accounts import list_users

        for row in list_users(open_store(db, write=False)):
            state = " 已停用" if row.disabled else ""
            click.echo(f"{row.name}\t{row.role}\t{row.region or '-'}\t{row.created_at}{state}")

    @users.command("disable")
    @click.argument("name")
    @db_option
    @user_errors
    def users_disable(name: str, db: str | None) -> None:
        """Disable an account: its sessions end at their next request."""
        from sxcheck.errors import SxcheckError
        from sxcheck.store import open_store
        from sxcheck.store.accounts import set_disabled

        if not set_disabled(open_store(db), name, True):
            raise SxcheckError(f"没有账号 {name}（见 sxcheck users list）")
        click.echo(f"已停用账号 {name}", err=True)
