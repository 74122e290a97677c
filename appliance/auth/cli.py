"""``callbox user add|list|remove|unlock`` and ``callbox token create|list|revoke``.

Errors are one line on stderr and a non-zero exit, never a traceback; a password is
asked on the terminal only when there is one (no terminal and no ``--password``: refused).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any, Callable

from appliance.auth.users import ROLES, AuthError, UserStore

Common = Callable[[argparse.ArgumentParser], None]


def add_parsers(sub: Any, common: Common) -> None:
    token = sub.add_parser("token", help="API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    create = token_sub.add_parser("create", help="print a new API token")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--label", default="")
    token_sub.add_parser("list", help="id, role, label and date of every token")
    revoke = token_sub.add_parser("revoke", help="revoke a token (by id or the token itself)")
    revoke.add_argument("token")
    for p in token_sub.choices.values():
        common(p)
    user = sub.add_parser("user", help="web users")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help="add or reset a web user")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--dispatcher", default="", help="the dispatcher this user works as")
    add.add_argument("--password", help="default: asked on the terminal")
    user_sub.add_parser("list", help="every web user with role and state")
    for name, text in (("remove", "remove a web user"), ("unlock", "lift a sign-in lock-out")):
        user_sub.add_parser(name, help=text).add_argument("name")
    for p in user_sub.choices.values():
        common(p)


def run_token(args: Any, out=sys.stdout) -> int:
    users = UserStore(args.data)
    if args.token_command == "create":
        print(users.create_token(args.role, label=args.label), file=out)
    elif args.token_command == "list":
        for t in users.tokens():
            print(f"{t['id']}  {t['role']:<10}  {t['created_at']}  {t['label']}", file=out)
    elif not users.revoke(args.token):
        raise AuthError(f"no token {args.token!r}")
    else:
        print(f"token {args.token[:12]} revoked", file=out)
    return 0


def run_user(args: Any, out=sys.stdout) -> int:
    users = UserStore(args.data)
    if args.user_command == "list":
        for u in users.users():
            state = ",".join(k for k in ("disabled", "locked", "must_change") if u[k]) or "ok"
            print(f"{u['name']:<16} {u['role']:<10} dispatcher={u['dispatcher'] or '-'} "
                  f"{state}", file=out)
    elif args.user_command == "remove":
        if not users.remove_user(args.name):
            raise AuthError(f"no user named {args.name!r}")
        print(f"user {args.name} removed", file=out)
    elif args.user_command == "unlock":
        users.update_user(args.name, locked=False)
        print(f"user {args.name} unlocked", file=out)
    else:
        _add(users, args, out)
    return 0


def _add(users: UserStore, args: Any, out) -> None:
    password = args.password
    if not password:
        if not sys.stdin.isatty():
            raise AuthError("no terminal to ask the password on: give --password")
        password = getpass.getpass(f"password for {args.name}: ")
    if users.account(args.name) is None:
        users.add_user(args.name, password, args.role, dispatcher=args.dispatcher)
    else:  # an existing user: reset the password, set role and link, keep the name
        users.set_password(args.name, password)
        users.update_user(args.name, role=args.role, dispatcher=args.dispatcher,
                          locked=False)
    print(f"user {args.name} ({args.role}) saved", file=out)
