"""A minimal SMTP server on localhost for tests that check the emails the app sends."""

from __future__ import annotations

import socket
import threading


class SmtpSink:
    """A minimal SMTP server on localhost that keeps the messages it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.messages: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn, conn.makefile("rwb") as f:

                def say(line: str) -> None:
                    f.write(line.encode() + b"\r\n")
                    f.flush()

                say("220 sink")
                data_mode, lines = False, []
                for raw in f:
                    line = raw.decode().rstrip("\r\n")
                    if data_mode:
                        if line == ".":
                            self.messages.append("\n".join(lines))
                            data_mode, lines = False, []
                            say("250 ok")
                        else:
                            lines.append(line)
                        continue
                    verb = line[:4].upper()
                    if verb == "DATA":
                        data_mode = True
                        say("354 go")
                    elif verb == "QUIT":
                        say("221 bye")
                        break
                    elif verb in ("EHLO", "HELO"):
                        say("250 sink")
                    else:
                        say("250 ok")

    def close(self) -> None:
        self.sock.close()


def wait_for(sink: SmtpSink, count: int = 1, seconds: float = 2.5) -> list[str]:
    """The messages once ``count`` have arrived (or what arrived within ``seconds``)."""
    for _ in range(int(seconds / 0.05)):
        if len(sink.messages) >= count:
            break
        threading.Event().wait(0.05)
    return sink.messages
