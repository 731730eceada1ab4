"""A real SMTP server for the mail tests (mail.rs): aiosmtpd on loopback.

Usage: smtp_sink.py DIR. Prints «READY PORT» once it listens, and runs until its stdin
closes. Each message it takes is read back with Python's own e-mail parser, independent of
the Rust side, into DIR/msg-N.json (envelope, decoded headers and text) and its attachments
into DIR/msg-N-att-K.bin. A recipient listed in DIR/refuse.txt (one a line, read at every
RCPT, so a test can change it between runs) is refused with 550.
"""

import email
import json
import os
import socket
import sys
from email import policy
from email.header import decode_header, make_header

from aiosmtpd.controller import Controller

OUT = sys.argv[1]
REFUSE = os.path.join(OUT, "refuse.txt")


class Handler:
    def __init__(self):
        self.taken = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refused = set()
        if os.path.exists(REFUSE):
            with open(REFUSE, encoding="utf-8") as f:
                refused = {line.strip() for line in f if line.strip()}
        if address in refused:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.taken += 1
        n = self.taken
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        attachments = []
        for k, part in enumerate(msg.iter_attachments()):
            name = f"msg-{n}-att-{k}.bin"
            with open(os.path.join(OUT, name), "wb") as f:
                f.write(part.get_payload(decode=True))
            attachments.append(
                {
                    "filename": part.get_filename(),
                    "content_type": part.get_content_type(),
                    "file": name,
                }
            )
        text = msg.get_body(preferencelist=("plain",))
        # As it came over the wire: compat32 leaves encoded words encoded.
        raw = email.message_from_bytes(envelope.content, policy=policy.compat32)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(msg["subject"]),
            "raw_subject": str(raw["subject"]),
            # RFC 2047 decoding of the sender. Not policy.default's: its address parser puts a
            # space between two encoded words of one display name («образовани я»), where
            # RFC 2047 says the space between them is not part of the text.
            "from": str(make_header(decode_header(str(raw["from"])))),
            "to": str(msg["to"]),
            "text": text.get_content() if text is not None else None,
            "attachments": attachments,
        }
        # Written whole before the answer: once tsos has its 250, the file is there.
        tmp = os.path.join(OUT, f"msg-{n}.json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(tmp, os.path.join(OUT, f"msg-{n}.json"))
        return f"250 2.0.0 Ok: queued as {n}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"READY {port}", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
