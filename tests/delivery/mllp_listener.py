"""A small HL7 v2 interface engine for the tests (docs/hl7v2.md): an MLLP
listener on 127.0.0.1 that takes each framed message, parses it, answers
with an ACK and keeps what it received. It can be told, per case id, to
answer AE, AR or to drop the connection for the next messages; otherwise it
answers AA. `problems(message, case, ...)` checks every segment and field
p2pdoc fills against the case and the PDF on disk. Shared by
tests/delivery/check_hl7v2.py and tests/watch/check_hl7v2.py.
"""
import base64
import hashlib
import json
import os
import re
import socket
import socketserver
import threading

START, END = b"\x0b", b"\x1c\r"
DRAFT_UNTIL_SIGNED = None  # filled by document_types()


def unescape(text):
    """HL7 escape sequences back to their characters (v2.5.1 chapter 2)."""
    out = {"F": "|", "S": "^", "T": "&", "R": "~", "E": "\\", "X0D": "\r", "X0A": "\n"}
    return re.sub(r"\\(F|S|T|R|E|X0D|X0A)\\", lambda m: out[m.group(1)], text)


def components(field):
    return [unescape(c) for c in field.split("^")]


def parse(message):
    """{segment name: [fields numbered as HL7 numbers them]}; MSH-1 is '|'."""
    segs = {}
    order = []
    for line in message.split("\r"):
        if not line:
            continue
        f = line.split("|")
        if f[0] == "MSH":
            f.insert(1, "|")
        segs[f[0]] = f
        order.append(f[0])
    segs["_order"] = order
    return segs


def field(segs, name, n):
    f = segs.get(name, [])
    return f[n] if n < len(f) else ""


class Message:
    def __init__(self, text, action):
        self.text = text
        self.segs = parse(text)
        self.action = action
        self.control_id = field(self.segs, "MSH", 10)
        self.key = components(field(self.segs, "TXA", 12))[0]
        self.case_id = self.key.split("/")[0]
        self.file = unescape(field(self.segs, "TXA", 16))

    def pdf(self):
        ed = field(self.segs, "OBX", 5).split("^")
        return base64.b64decode(ed[4]) if len(ed) > 4 else b""


class Listener:
    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []  # every message received, in order, with the action taken
        self.plans = {}     # case id -> list of actions for its next messages ("AE", "AR", "drop")
        self.always = {}    # case id -> action for every message of it
        listener = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                buf = b""
                while True:
                    try:
                        data = self.request.recv(65536)
                    except OSError:
                        return
                    if not data:
                        return
                    buf += data
                    while START in buf and END in buf[buf.index(START):]:
                        s = buf.index(START)
                        e = buf.index(END, s)
                        text = buf[s + 1:e].decode("utf-8")
                        buf = buf[e + 2:]
                        reply = listener.take(text)
                        if reply is None:  # drop the connection without an answer
                            self.request.shutdown(socket.SHUT_RDWR)
                            return
                        self.request.sendall(START + reply.encode() + END)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.address = f"127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def take(self, text):
        segs = parse(text)
        key = components(field(segs, "TXA", 12))[0]
        case_id = key.split("/")[0]
        with self.lock:
            plan = self.plans.get(case_id, [])
            action = plan.pop(0) if plan else self.always.get(case_id, "AA")
            self.messages.append(Message(text, action))
        if action == "drop":
            return None
        ctrl = field(segs, "MSH", 10)
        return ("MSH|^~\\&|EHR|MAIN|P2PDOC|FAC|20261123120001||ACK^T02^ACK|A" + ctrl[:19] + "|P|2.5.1\r"
                f"MSA|{action}|{ctrl}|text that may name the patient\r")

    def received(self, case_id=None):
        with self.lock:
            return [m for m in self.messages if case_id is None or m.case_id == case_id]

    def accepted(self, case_id=None):
        return [m for m in self.received(case_id) if m.action == "AA"]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def document_types(root):
    return json.load(open(os.path.join(root, "templates", "knowledge", "document_types.json")))["document_types"]


def family_given(name):
    parts = name.strip().rsplit(None, 1)
    return (parts[-1], parts[0] if len(parts) > 1 else "")


def problems(m, case, pdf_path, settings, types, replaces=None):
    """Every way message `m` differs from what docs/hl7v2.md promises for
    `case` and the PDF at `pdf_path`; [] when none."""
    found = []
    s = m.segs

    def want(name, n, value, what=None):
        got = field(s, name, n)
        if got != value:
            found.append(f"{name}-{n} ({what or ''}): {got!r}, want {value!r}")

    if s["_order"] != ["MSH", "EVN", "PID", "PV1", "TXA", "OBX"]:
        found.append(f"segments {s['_order']}")
    if "\n" in m.text:
        found.append("a line feed in the message: segments end with CR only")
    want("MSH", 2, "^~\\&", "encoding characters")
    want("MSH", 3, settings["hl7_sending_application"], "sending application")
    want("MSH", 4, settings["hl7_sending_facility"], "sending facility")
    want("MSH", 5, settings["hl7_receiving_application"], "receiving application")
    want("MSH", 6, settings["hl7_receiving_facility"], "receiving facility")
    if not re.fullmatch(r"\d{14}\+0000", field(s, "MSH", 7)):
        found.append(f"MSH-7 {field(s, 'MSH', 7)!r}")
    want("MSH", 9, "MDM^T02^MDM_T02", "message type")
    want("MSH", 10, hashlib.sha256(m.key.encode()).hexdigest()[:20], "control id from the key")
    want("MSH", 11, "P", "processing id")
    want("MSH", 12, "2.5.1", "version")
    want("MSH", 18, "UNICODE UTF-8", "character set")
    want("EVN", 1, "T02")
    want("EVN", 2, field(s, "MSH", 7), "recorded")
    p = case["patient"]
    want("PID", 1, "1")
    if components(field(s, "PID", 3)) != [p["mrn"], "", "", settings["hl7_mrn_authority"], "MR"]:
        found.append(f"PID-3 {field(s, 'PID', 3)!r}")
    if components(field(s, "PID", 5)) != list(family_given(p["name"])):
        found.append("PID-5 is not the case's name")
    want("PID", 7, p["dob"].replace("-", ""), "birth date")
    want("PID", 8, p["sex"] if p.get("sex") in ("F", "M", "O", "U", "A", "N") else "", "sex")
    want("PV1", 2, "U", "patient class")
    want("PV1", 19, case.get("encounter", {}).get("id", ""), "visit number")
    kind = m.file.rsplit(".", 1)[0]
    t = types.get(kind, {})
    draft = t.get("draft_until_signed") and "letters_signed" not in case
    want("TXA", 1, "1")
    want("TXA", 2, t.get("type_code"), "document type")
    want("TXA", 3, "AP", "content presentation")
    want("TXA", 4, field(s, "MSH", 7), "activity time")
    phys = case.get("physician", {})
    pf, pg = family_given(phys.get("name", ""))
    if components(field(s, "TXA", 9))[:3] != [phys.get("npi", ""), pf, pg] or \
            not field(s, "TXA", 9).endswith("&2.16.840.1.113883.4.6&ISO^^^^NPI"):
        found.append(f"TXA-9 {field(s, 'TXA', 9)!r}")
    if not m.key.startswith(f"{case['case_id']}/{m.file}/") or components(field(s, "TXA", 12))[1:] != [settings["hl7_sending_application"]]:
        found.append(f"TXA-12 {field(s, 'TXA', 12)!r}")
    if replaces is not None and components(field(s, "TXA", 13))[0] != replaces:
        found.append(f"TXA-13 {field(s, 'TXA', 13)!r}, want {replaces!r}")
    want("TXA", 17, "DO" if draft else "AU", "completion status")
    want("OBX", 1, "1")
    want("OBX", 2, "ED", "value type")
    if components(field(s, "OBX", 3)) != [t.get("type_code"), t.get("type_display"), "LN"]:
        found.append(f"OBX-3 {field(s, 'OBX', 3)!r}")
    ed = field(s, "OBX", 5).split("^")
    if ed[:4] != ["", "AP", "PDF", "Base64"] or len(ed) != 5:
        found.append(f"OBX-5 components {ed[:4]}")
    pdf = m.pdf()
    disk = open(pdf_path, "rb").read()
    if not pdf.startswith(b"%PDF-"):
        found.append("OBX-5 is not a PDF")
    if hashlib.sha256(pdf).hexdigest() != hashlib.sha256(disk).hexdigest():
        found.append(f"OBX-5 is not the bytes of {pdf_path}")
    want("OBX", 11, "P" if draft else "F", "result status")
    want("OBX", 14, field(s, "MSH", 7), "observation time")
    return found
