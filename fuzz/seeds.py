#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into fuzz/corpus/<target>/:
the samples, the invalid fixtures, the templates, and the hostile inputs of
issue 8 (files named issue8-*). Run from anywhere; rerunning rewrites the
same files. Inputs that still crash a target are moved by hand to
fuzz/pending/<target>/ until their fix lands (docs/reliability.md)."""
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
TOKEN = "Bearer fuzz-token-0123456789abcdef"


def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def sample():
    return json.loads((ROOT / "samples" / "uhc-lumbar-mri.json").read_text())


def dumps(doc):
    return json.dumps(doc, indent=1, ensure_ascii=False)


def hostile_cases():
    """name -> case file bytes, each one of the bad inputs of issue 8."""
    out = {}
    doc = sample()
    text = dumps(doc)
    out["deep-nesting-9000.json"] = text[:-2] + ',\n "zz_unknown": ' + '{"a":' * 9000 + "1" + "}" * 9000 + "\n}\n"
    out["deep-array-nesting-9000.json"] = text[:-2] + ',\n "zz_unknown": ' + "[" * 9000 + "]" * 9000 + "\n}\n"
    out["number-1e999.json"] = text.replace('"urgent": false', '"urgent": false, "zz_big": 1e999')
    out["nul-byte.json"] = text.replace('"urgent": false', '"urgent": false\u0000, "ignored": true')
    out["duplicate-keys.json"] = text.replace('"urgent": false', '"urgent": false, "urgent": true')
    far = sample()
    far["denial"]["date"] = "9999-11-30"
    out["denial-date-9999.json"] = dumps(far)
    word = sample()
    word["clinical"]["history"] = "W" * 65536
    out["word-64k.json"] = dumps(word)
    return out


def main():
    for p in sorted((ROOT / "samples").glob("*.json")):
        write("case", "sample-" + p.name, p.read_bytes())
        write("http", "post-" + p.stem, "POST /v1/packets\n" + TOKEN + "\n" + p.read_text())
    for p in sorted((ROOT / "tests" / "fixtures" / "invalid").glob("*.json")):
        write("case", "invalid-" + p.name, p.read_bytes())
        write("http", "validate-" + p.stem, "POST /v1/validate\n" + TOKEN + "\n" + p.read_text())
    for name, data in hostile_cases().items():
        write("case", "issue8-" + name, data)
        write("http", "issue8-post-" + name, "POST /v1/packets\n" + TOKEN + "\n" + data)
    for p in sorted((ROOT / "templates").rglob("*")):
        if p.suffix in (".md", ".txt"):
            rel = str(p.relative_to(ROOT / "templates")).replace("/", "-")
            write("expand", "template-" + rel, p.read_bytes())
            if p.suffix == ".md":
                write("layout", "template-" + rel, p.read_bytes())
    write("expand", "fuzz-value.md", "---\ntitle: t\n---\n# {{fuzz}}\n{{#patient}}{{name.given}}{{/patient}} {{{fuzz}}}\n")
    write("layout", "issue8-word-64k.md", "# Brief\n\n" + "W" * 65536 + "\n")
    write("layout", "list-3000.md", "# Criteria\n\n" + "".join(f"- criterion {i} met: yes\n" for i in range(3000)))
    write("layout", "nested-quotes-500.md", "> " * 500 + "deep\n")
    write("layout", "table.md", "| a | b |\n|---|---|\n" + "".join(f"| row {i} | <mark>gap</mark> **b** |\n" for i in range(200)))
    for i, route in enumerate(["GET /healthz", "GET /metrics", "GET /v1/packets/RSP-2026-00417",
                  "GET /v1/packets/RSP-2026-00417/brief.pdf", "GET /v1/packets/../../etc/passwd",
                  "DELETE /v1/packets", "HEAD /v1/packets/x/y"]):
        write("http", "route-%d-%s" % (i, route.split(" ")[0].lower()),
              route + "\n" + TOKEN + "\n")
    write("http", "no-token", "POST /v1/validate\nBearer wrong\n{}")
    for p in sorted((ROOT / "tests" / "fhir" / "data").glob("*.json")):
        write("fhir", "pas-" + p.name, p.read_bytes())


if __name__ == "__main__":
    main()
