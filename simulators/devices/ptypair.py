#!/usr/bin/env python3
"""A virtual null-modem cable for tests: two pseudo-terminals whose masters relay bytes both ways.

Like `socat pty,raw,echo=0 pty,raw,echo=0`, but scriptable so a test can "unplug" one end.

Protocol (one JSON object per line):
  stdout, first line:  {"a": "/dev/pts/N", "b": "/dev/pts/M"}   the two slave paths to open
  stdin commands:      {"cmd": "hangup", "side": "a"}   close that end's master: its slave sees hangup/EIO
                       {"cmd": "replug", "side": "a"}   give that end a fresh pty (usually a new path)
  stdout replies:      {"ok": true, "path": "..."} or {"ok": false, "error": "..."}
Exits cleanly on SIGTERM, SIGINT or when stdin closes.
"""

import errno
import json
import os
import select
import signal
import sys
import termios

# Bytes a side may hold for its peer before the relay stops reading from it (back-pressure).
MAX_PENDING = 1 << 20


def make_raw(fd):
    """cfmakeraw(3) on the slave: every byte 0x00-0xFF passes untouched, no echo, no CR/LF mapping,
    no flow-control characters, no signals."""
    iflag, oflag, cflag, lflag, ispeed, ospeed, cc = termios.tcgetattr(fd)
    iflag &= ~(
        termios.IGNBRK
        | termios.BRKINT
        | termios.PARMRK
        | termios.ISTRIP
        | termios.INLCR
        | termios.IGNCR
        | termios.ICRNL
        | termios.IXON
        | termios.IXOFF
        | termios.IXANY
        | termios.INPCK
    )
    oflag &= ~termios.OPOST
    lflag &= ~(termios.ECHO | termios.ECHONL | termios.ICANON | termios.ISIG | termios.IEXTEN)
    cflag &= ~(termios.CSIZE | termios.PARENB)
    cflag |= termios.CS8 | termios.CREAD | termios.CLOCAL
    cc[termios.VMIN] = 1
    cc[termios.VTIME] = 0
    termios.tcsetattr(fd, termios.TCSANOW, [iflag, oflag, cflag, lflag, ispeed, ospeed, cc])


class End:
    """One end of the cable: a pty master the relay reads and writes, and its slave path for the test."""

    def __init__(self):
        self.master, self.slave = os.openpty()
        make_raw(self.slave)
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self.slave)
        self.outbox = bytearray()  # bytes waiting to be written to this end's master
        # The relay keeps its own slave fd open so the master does not read EIO while no test has
        # the path open; a hangup closes both.

    def close(self):
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass
        self.master = -1
        self.slave = -1
        self.outbox.clear()

    @property
    def alive(self):
        return self.master >= 0


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def handle_command(line, ends):
    try:
        msg = json.loads(line)
        side = msg.get("side")
        if side not in ends:
            raise ValueError("side must be 'a' or 'b'")
        cmd = msg.get("cmd")
        if cmd == "hangup":
            ends[side].close()
            reply({"ok": True, "path": ends[side].path})
        elif cmd == "replug":
            ends[side].close()
            ends[side] = End()
            reply({"ok": True, "path": ends[side].path})
        else:
            raise ValueError("unknown command %r" % (cmd,))
    except (ValueError, OSError, AttributeError) as exc:
        reply({"ok": False, "error": str(exc)})


def main():
    def stop(_signum, _frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    ends = {"a": End(), "b": End()}
    peer = {"a": "b", "b": "a"}
    reply({"a": ends["a"].path, "b": ends["b"].path})

    stdin = sys.stdin.fileno()
    command_buffer = b""
    try:
        while True:
            readers = [stdin] + [
                end.master for name, end in ends.items() if end.alive and len(ends[peer[name]].outbox) < MAX_PENDING
            ]
            writers = [e.master for e in ends.values() if e.alive and e.outbox]
            readable, writable, _ = select.select(readers, writers, [])
            if stdin in readable:
                chunk = os.read(stdin, 4096)
                if not chunk:
                    return
                command_buffer += chunk
                while b"\n" in command_buffer:
                    line, command_buffer = command_buffer.split(b"\n", 1)
                    if line.strip():
                        handle_command(line.decode("utf-8", "replace"), ends)
            for name, end in list(ends.items()):
                if not end.alive:
                    continue
                if end.master in readable:
                    try:
                        data = os.read(end.master, 65536)
                    except OSError as exc:
                        if exc.errno in (errno.EAGAIN, errno.EINTR):
                            continue
                        raise
                    other = ends[peer[name]]
                    if other.alive:
                        other.outbox += data  # a hung-up peer drops bytes, like an unplugged cable
                if end.master in writable and end.outbox:
                    try:
                        written = os.write(end.master, bytes(end.outbox))
                        del end.outbox[:written]
                    except OSError as exc:
                        if exc.errno not in (errno.EAGAIN, errno.EINTR):
                            raise
    finally:
        for end in ends.values():
            end.close()


if __name__ == "__main__":
    main()
