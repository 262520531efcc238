#!/usr/bin/env python3
"""Runs a command with a fresh pseudo-terminal as its controlling terminal
and types at its prompts, as a person at a desk would.

usage: at_terminal.py KEYS [KEYS...] -- COMMAND [ARGUMENTS...]

Each KEYS is typed once the program has printed something new (a prompt);
"\\n" and "\\x03" (Ctrl-C) are understood. Prints what the terminal showed,
then "exit N" and "echo on" or "echo off": whether the terminal echoes what
is typed once the program has ended.
"""
import os
import select
import subprocess
import sys
import termios
import time


def main() -> int:
    split = sys.argv.index("--")
    keys = [k.encode().decode("unicode_escape").encode() for k in sys.argv[1:split]]
    command = sys.argv[split + 1:]
    leader, follower = os.openpty()
    attrs = termios.tcgetattr(follower)
    attrs[3] |= termios.ECHO | termios.ICANON | termios.ISIG
    termios.tcsetattr(follower, termios.TCSANOW, attrs)

    def controlling_terminal() -> None:
        os.setsid()
        import fcntl
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    child = subprocess.Popen(command, stdin=follower, stdout=follower, stderr=follower,
                             preexec_fn=controlling_terminal, close_fds=True)
    shown = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            shown += chunk
            if keys:
                time.sleep(0.1)  # the prompt is out; the program now reads
                os.write(leader, keys.pop(0))
        elif child.poll() is not None:
            break
    if child.poll() is None:
        child.kill()
    code = child.wait()
    echo = termios.tcgetattr(follower)[3] & termios.ECHO
    sys.stdout.write(shown.decode("utf-8", "replace"))
    print(f"\nexit {code}")
    print("echo on" if echo else "echo off")
    return 0


if __name__ == "__main__":
    sys.exit(main())
