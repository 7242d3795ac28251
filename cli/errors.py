"""How `wjw` ends: one line for every mistake, a word for Ctrl-C, never a traceback for bad input.

Click (vendored by Typer) prints a usage error as three lines (usage, a hint, the error) and lets
anything unexpected escape as a traceback; this shell runs the command
without Click's own handling and turns each way of ending into one line on
stderr that says what to do, with the exit code a script can test:
0 done, 1 failed, 2 bad usage, 130 interrupted.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterable
from difflib import get_close_matches
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from typer._click import (
    exceptions as click,  # Typer vendors Click; its commands raise these
)

stderr = Console(stderr=True, highlight=False, soft_wrap=True)

# Set to see the traceback behind an unexpected error (for a bug report).
DEBUG_ENV = "WJW_DEBUG"
INTERRUPTED = 130  # the shell's code for a command ended by Ctrl-C (128 + SIGINT)


class UserError(Exception):
    """A mistake the user can fix: the message names what and how."""


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one error line and exit (1 unless told)."""
    error_line(message)
    raise typer.Exit(code)


def error_line(message: str) -> None:
    """`error: <message>` on stderr, on one line, the message printed literally (no markup eaten)."""
    one_line = " ".join(str(message).split())
    stderr.print(f"[red]error:[/red] {escape(one_line)}")


def check_choice(option: str, value: str | None, known: Iterable[str]) -> None:
    """Fail unless `value` is one of `known`, suggesting the closest (`--level provnce` → province)."""
    if value is None:
        return
    known = sorted(set(known))
    if value in known:
        return
    close = get_close_matches(value, known, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]}? " if close else ""
    fail(f"{option} {value!r} is not known; {hint}choose one of: {', '.join(known)}")


def run(command, argv: list[str] | None = None) -> NoReturn:
    """Run the click command, ending every way in one line and a telling exit code."""
    try:
        code = _ended(command, argv)
    except BrokenPipeError:  # `wjw runs list | head`: the reader had enough
        _silence_stdout()
        code = 0
    sys.exit(code)


def _ended(command, argv: list[str] | None) -> int:
    from cli.progress import CURRENT

    try:
        # Without standalone mode a command's Exit comes back as its code (Ctrl-C as 130), errors as exceptions.
        returned = command.main(args=argv, prog_name="wjw", standalone_mode=False)
        code = returned if isinstance(returned, int) else 0
    except typer.Exit as exc:
        code = exc.exit_code
    except click.NoArgsIsHelpError as exc:  # `wjw runs`: the help is the answer
        print(exc.format_message())
        code = 0
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "wjw"
        error_line(f"{exc.format_message()} (see `{where} -h`)")
        code = 2
    except click.ClickException as exc:
        error_line(exc.format_message())
        code = exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        code = INTERRUPTED
    except BrokenPipeError:
        raise
    except OSError as exc:
        error_line(os_error(exc))
        code = 1
    except Exception as exc:  # the last line of defence: a bug, said in one line
        if os.environ.get(DEBUG_ENV):
            raise
        error_line(f"unexpected {type(exc).__name__}: {exc}. This is a bug in wjw: rerun with {DEBUG_ENV}=1 "
                   "to see the traceback, and report it")
        code = 1
    if code == INTERRUPTED:
        error_line(CURRENT[0].interrupted() if CURRENT else "interrupted; nothing was left half-written")
    return code


def os_error(exc: OSError) -> str:
    """An OSError as `<file>: <what> — <what to do>`."""
    where = exc.filename or "wjw"
    what = exc.strerror or str(exc)
    advice = {
        errno.EACCES: "check its permissions or choose another path",
        errno.EPERM: "check its permissions or choose another path",
        errno.EROFS: "the file system is read-only; choose another path",
        errno.ENOSPC: "the disk is full; free space or choose another path",
        errno.ENOENT: "check the path",
        errno.EADDRINUSE: "the port is taken; stop what uses it or pass another --port",
    }.get(exc.errno or 0, "check the path and try again")
    return f"{where}: {what}; {advice}"


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
