"""Run a command under the restrictions of systemd/glimpse.service where systemd itself cannot run it.

This machine (a container without systemd as PID 1, so no ``systemd-run``)
can still apply most of the unit's sandbox with the kernel primitives systemd
uses itself; this script does that and then executes the command:

- ``SystemCallFilter=`` / ``SystemCallArchitectures=native``: a seccomp filter
  built with libseccomp (through ctypes) from the unit's own filter lines,
  groups expanded by ``systemd-analyze syscall-filter``; a call outside it
  fails with the unit's ``SystemCallErrorNumber=`` or, without one, kills
  the process (SIGSYS), as systemd does;
- ``NoNewPrivileges=yes``, ``CapabilityBoundingSet=`` (empty), ``User=``: by
  ``setpriv`` (see ``--print-wrapper``) before this script runs;
- ``PrivateMounts=yes``, ``ProtectHostname=yes``, ``ProtectProc=invisible``:
  by ``unshare --mount --uts --pid --mount-proc`` and ``hidepid=invisible``.

Not emulated: the device cgroup (``DevicePolicy=``), ``IPAddressDeny=``
(BPF), ``ProtectSystem=``/``ProtectHome=`` read-only mounts,
``ProtectKernelLogs=``' /dev/kmsg hiding, ``RemoveIPC=`` (acts at stop).

    sudo unshare --mount --uts --pid --fork --mount-proc sh -c \\
      'mount -o remount,hidepid=invisible /proc && exec setpriv --reuid=65534 --regid=65534 --clear-groups \\
       --bounding-set=-all --inh-caps=-all --ambient-caps=-all --no-new-privs \\
       .venv/bin/python scripts/unit_sandbox.py systemd/glimpse.service -- .venv/bin/glimpse run ...'
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import subprocess
import sys
from pathlib import Path

SCMP_ACT_KILL_PROCESS = 0x80000000
SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_ACT_ERRNO = 0x00050000
_NR_SCMP_ERROR = -1


def unit_values(unit: Path, key: str) -> list[str]:
    """The values of every ``key=`` line of the unit, in order."""
    return [
        line.split("=", 1)[1].strip()
        for line in unit.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith(f"{key}=")
    ]


def refusal_action(unit: Path) -> int:
    """Kill the process, or fail the call with ``SystemCallErrorNumber=`` (e.g. EPERM)."""
    names = unit_values(unit, "SystemCallErrorNumber")
    if not names or names[-1] in ("", "kill"):
        return SCMP_ACT_KILL_PROCESS
    return SCMP_ACT_ERRNO | int(getattr(errno, names[-1]))


def expand(name: str, seen: set[str] | None = None) -> set[str]:
    """A syscall name, or every syscall of a ``@group`` (nested groups followed) per systemd-analyze."""
    if not name.startswith("@"):
        return {name}
    seen = seen if seen is not None else set()
    if name in seen:
        return set()
    seen.add(name)
    out = subprocess.run(["systemd-analyze", "syscall-filter", name], capture_output=True, text=True, check=True)
    calls: set[str] = set()
    for line in out.stdout.splitlines()[1:]:
        item = line.strip()
        if item and not item.startswith("#"):
            calls |= expand(item, seen)
    return calls


def allowed_syscalls(lines: list[str]) -> set[str]:
    """systemd's rule: the first line is an allow list; each later ``~`` line removes its calls from it."""
    allowed: set[str] = set()
    for index, value in enumerate(lines):
        deny = value.startswith("~")
        names = set().union(*(expand(n) for n in value.lstrip("~").split()))
        if deny:
            allowed -= names
        elif index == 0 or allowed:
            allowed |= names
    return allowed


def load_filter(allowed: set[str], refusal: int = SCMP_ACT_KILL_PROCESS) -> int:
    """Install the filter for this process and its children; returns how many calls it allows."""
    lib = ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so.2", use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(refusal)
    if not ctx:
        raise OSError("seccomp_init failed")
    count = 0
    for name in sorted(allowed):
        number = lib.seccomp_syscall_resolve_name(name.encode("ascii"))
        if number == _NR_SCMP_ERROR:
            continue  # not a syscall on this architecture
        if lib.seccomp_rule_add(ctx, SCMP_ACT_ALLOW, number, 0) == 0:
            count += 1
    if lib.seccomp_load(ctx) != 0:
        raise OSError(ctypes.get_errno(), "seccomp_load failed (needs no_new_privs or CAP_SYS_ADMIN)")
    return count


def main(argv: list[str]) -> int:
    if "--" not in argv or len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    split = argv.index("--")
    unit, command = Path(argv[0]), argv[split + 1 :]
    lines = unit_values(unit, "SystemCallFilter")
    if not lines:
        print(f"{unit}: no SystemCallFilter= line; running without a filter", file=sys.stderr)
    else:
        count = load_filter(allowed_syscalls(lines), refusal_action(unit))
        print(f"unit_sandbox: {count} system calls allowed ({'; '.join(lines)})", file=sys.stderr, flush=True)
    os.execvp(command[0], command)
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
