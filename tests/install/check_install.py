#!/usr/bin/env python3
"""`cmake --install` into a temporary prefix, then the installed copy used as
an integration analyst would (docs/install.md, issue 13):

- the layout: bin/p2pdoc; templates, fonts, schema, samples in share/p2pdoc;
  a man page for p2pdoc and each command; the systemd units; the examples;
- the man pages: groff finds nothing to warn about, and every option of every
  command's --help is on its page;
- the units: `systemd-analyze verify` is silent and `systemd-analyze security
  --offline` rates each at most 2.0 (skipped, saying so, when systemd-analyze
  is absent); their ReadWritePaths cover the example settings' folders;
- the installed binary finds its data beside itself (a change to the
  installed template shows in the PDF), writes a packet that pdfinfo and
  pdftotext read, lets a site's overlay replace one template and one
  knowledge file without copying the tree (P2PDOC_SITE_TEMPLATES, and
  site_templates = in a watch config made from the example), and says
  where it looked when it finds no data.

Usage: check_install.py CMAKE BUILD_DIR SOURCE_ROOT
"""
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from e2e import check, finish, pdf_text, run  # noqa: E402

EPOCH = "1795435200"
SECURITY_LIMIT = 2.0


def env_clean(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("P2PDOC_")}
    env["SOURCE_DATE_EPOCH"] = EPOCH
    env.update(extra)
    return env


def commands_of(binary):
    out = run([binary, "--help"]).stdout
    return re.findall(r"^  ([a-z][a-z-]+)\s{2,}", out.split("Subcommands:")[1], re.M)


def options_of(binary, args):
    out = run([binary, *args, "--help"]).stdout
    names = re.findall(r"^  (-[^ ]+)", out, re.M)
    return [n for spec in names for n in spec.split(",") if n not in ("-h", "--help")]


def check_layout(prefix, binary):
    share = os.path.join(prefix, "share", "p2pdoc")
    for rel in ["templates/packet.json", "templates/knowledge/deadlines.json", "fonts/LiberationSans-Regular.ttf",
                "fonts/LICENSE-Liberation.txt", "schema/p2p-case-1.schema.json", "samples/uhc-lumbar-mri.json"]:
        check(os.path.isfile(os.path.join(share, rel)), f"share/p2pdoc/{rel} installed")
    check(os.access(binary, os.X_OK), "bin/p2pdoc installed and executable")
    for rel in ["share/doc/p2pdoc/examples/watch.conf", "share/doc/p2pdoc/examples/serve.conf",
                "share/doc/p2pdoc/README.md", "share/doc/p2pdoc/install.md",
                "lib/sysusers.d/p2pdoc.conf", "lib/tmpfiles.d/p2pdoc.conf"]:
        check(os.path.isfile(os.path.join(prefix, rel)), f"{rel} installed")


def check_man_pages(prefix, binary):
    mandir = os.path.join(prefix, "share", "man", "man1")
    commands = commands_of(binary)
    check(len(commands) >= 13, f"commands from --help: {commands}")
    pages = {"p2pdoc": []} | {c: [c] for c in commands}
    for name, args in pages.items():
        page = os.path.join(mandir, "p2pdoc.1.gz" if not args else f"p2pdoc-{name}.1.gz")
        if not check(os.path.isfile(page), f"man page {page}"):
            continue
        raw = open(page, "rb").read()
        check(raw[4:8] == b"\0\0\0\0", f"{page} carries a time stamp (gzip -n leaves it out)")
        source = gzip.decompress(raw).decode("utf-8")
        warn = run(["groff", "-man", "-ww", "-z"], input=source)
        check(warn.returncode == 0 and not warn.stderr.strip(), f"groff warns about {page}: {warn.stderr[:500]}")
        text = source.replace("\\-", "-")
        for opt in options_of(binary, args) if args else []:
            check(opt in text, f"p2pdoc-{name}.1 has no {opt}")
        for sub in (["pas"] if name == "import" else []):
            for opt in options_of(binary, [name, sub]):
                check(opt in text, f"p2pdoc-import.1 has no {opt} (import {sub})")
        check(".SH ENVIRONMENT" in text and "P2PDOC_ROOT" in text, f"{page} names P2PDOC_ROOT")


def example_paths(prefix):
    """key -> value of the example settings files."""
    found = {}
    for name in ("watch.conf", "serve.conf"):
        for line in open(os.path.join(prefix, "share/doc/p2pdoc/examples", name), encoding="utf-8"):
            m = re.match(r"^\s*([a-z_]+)\s*=\s*(\S+)", line)
            if m:
                found[(name, m.group(1))] = m.group(2)
    return found


def check_units(prefix, binary):
    unitdir = os.path.join(prefix, "lib", "systemd", "system")
    units = [os.path.join(unitdir, u) for u in ("p2pdoc-watch.service", "p2pdoc-serve.service")]
    paths = example_paths(prefix)
    for unit in units:
        if not check(os.path.isfile(unit), f"{unit} installed"):
            return
        text = open(unit, encoding="utf-8").read()
        exec_start = re.search(r"^ExecStart=(\S+)", text, re.M).group(1)
        check(exec_start == binary, f"{unit}: ExecStart={exec_start}, installed at {binary}")
        writable = re.search(r"^ReadWritePaths=(.*)$", text, re.M).group(1).split()
        conf = "watch.conf" if "watch" in unit else "serve.conf"
        for key in ("inbox", "out", "ledger"):
            value = paths.get((conf, key))
            if value:
                check(any(value == w or value.startswith(w.rstrip("/") + "/") for w in writable),
                      f"{unit}: {key} = {value} (examples/{conf}) is not under ReadWritePaths {writable}")
        for setting in ("ProtectSystem=strict", "NoNewPrivileges=true", "User=p2pdoc", "CapabilityBoundingSet=\n"):
            check(setting in text, f"{unit} has {setting.strip()}")
        check(f"--config /etc/p2pdoc/{conf}" in text, f"{unit} reads /etc/p2pdoc/{conf}")
    if not shutil.which("systemd-analyze"):
        print("install: systemd-analyze checks skipped: systemd-analyze is not installed")
        return
    env = dict(os.environ, MANPATH=os.path.join(prefix, "share", "man") + ":")
    verify = run(["systemd-analyze", "verify", *units], env=env)
    check(verify.returncode == 0 and not verify.stderr.strip() and not verify.stdout.strip(),
          f"systemd-analyze verify: {verify.returncode} {verify.stdout[:500]} {verify.stderr[:1000]}")
    for unit in units:
        sec = run(["systemd-analyze", "security", "--offline=yes", f"--threshold={int(SECURITY_LIMIT * 10)}", unit])
        m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", sec.stdout + sec.stderr)
        level = float(m.group(1)) if m else 99
        check(sec.returncode == 0 and level <= SECURITY_LIMIT,
              f"systemd-analyze security {os.path.basename(unit)}: exposure {level} (at most {SECURITY_LIMIT}) "
              f"rc {sec.returncode} {sec.stderr[-500:]}")
        print(f"install: {os.path.basename(unit)}: exposure {level}")


def generate(binary, case, out, cwd, **env):
    r = run([binary, "generate", case, "-o", out, "--no-ledger"], cwd=cwd, env=env_clean(**env))
    check(r.returncode == 0, f"installed generate: {r.returncode} {r.stdout[-500:]} {r.stderr[-1000:]}")
    return r


def heading_changed(path, new):
    """Rewrites the first '# ' heading of a template file to `new`; returns the new text."""
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"^# [^{\n]*", "# " + new, text, count=1, flags=re.M)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def check_installed_binary(prefix, binary, tmp):
    share = os.path.join(prefix, "share", "p2pdoc")
    sample = os.path.join(share, "samples", "uhc-lumbar-mri.json")
    # the data beside the binary is the data used: change the installed brief, see it in the PDF
    heading_changed(os.path.join(share, "templates", "brief", "default.md"), "Installed copy brief")
    out = os.path.join(tmp, "out-installed")
    generate(binary, sample, out, tmp)
    packet = os.path.join(out, "RSP-2026-00417")
    info = run(["pdfinfo", os.path.join(packet, "brief.pdf")])
    check(info.returncode == 0 and re.search(r"^Pages:\s+1$", info.stdout, re.M), f"pdfinfo brief.pdf: {info.stdout}")
    check("Installed copy brief" in pdf_text(os.path.join(packet, "brief.pdf")), "the installed templates are used")
    for doc in ("p2p-script.pdf", "lomn.pdf", "appeal-cover.pdf", "post-call.pdf"):
        check("RSP-2026-00417" in pdf_text(os.path.join(packet, doc)) or
              "Núñez" in pdf_text(os.path.join(packet, doc)), f"{doc} reads back with pdftotext")

    # a site's overlay: one template and one knowledge file, nothing else copied
    site = os.path.join(tmp, "site")
    os.makedirs(os.path.join(site, "brief"))
    os.makedirs(os.path.join(site, "knowledge", "payers"))
    shutil.copy(os.path.join(share, "templates", "brief", "default.md"), os.path.join(site, "brief", "default.md"))
    heading_changed(os.path.join(site, "brief", "default.md"), "Site overlay brief")
    payer = json.load(open(os.path.join(share, "templates", "knowledge", "payers", "uhc.json"), encoding="utf-8"))
    with open(os.path.join(site, "knowledge", "payers", "zz-site-payer.json"), "w", encoding="utf-8") as f:
        json.dump(payer, f)
    out_site = os.path.join(tmp, "out-site")
    generate(binary, sample, out_site, tmp, P2PDOC_SITE_TEMPLATES=site)
    site_packet = os.path.join(out_site, "RSP-2026-00417")
    check("Site overlay brief" in pdf_text(os.path.join(site_packet, "brief.pdf")), "the site's brief is used")
    manifest = json.load(open(os.path.join(site_packet, "manifest.json"), encoding="utf-8"))
    templates = {d["file"]: d["template"] for d in manifest["documents"]}
    check(templates["brief.pdf"] == os.path.join(site, "brief", "default.md"), f"manifest names the site's file: {templates}")
    check(templates["lomn.pdf"] == "templates/lomn/default.md", f"the rest stays shipped: {templates}")
    same = open(os.path.join(packet, "lomn.pdf"), "rb").read() == open(os.path.join(site_packet, "lomn.pdf"), "rb").read()
    check(same, "a document the site did not touch is byte-identical")
    bad = run([binary, "validate", sample], env=env_clean(P2PDOC_SITE_TEMPLATES=os.path.join(tmp, "no-such-folder")))
    check(bad.returncode == 1 and "no-such-folder is not a folder" in bad.stderr, f"a missing site folder: {bad.stderr}")

    # the watcher with a config made from the example: site_templates = ... there
    conf_text = open(os.path.join(prefix, "share/doc/p2pdoc/examples/watch.conf"), encoding="utf-8").read()
    inbox, wout = os.path.join(tmp, "inbox"), os.path.join(tmp, "watch-out")
    os.makedirs(inbox)
    os.makedirs(os.path.join(tmp, "ledger"))  # tmpfiles.d makes /var/lib/p2pdoc/ledger
    shutil.copy(sample, os.path.join(inbox, "case.json"))
    for key, value in (("inbox", inbox), ("out", wout), ("ledger", os.path.join(tmp, "ledger", "p2pdoc.db")),
                       ("site_templates", site)):
        conf_text, n = re.subn(rf"^{key} = .*$", f"{key} = {value}", conf_text, flags=re.M)
        check(n == 1, f"examples/watch.conf sets {key}")
    conf = os.path.join(tmp, "watch.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write(conf_text)
    w = run([binary, "watch", "--config", conf, "--once", "--workers", "1"], cwd=tmp, env=env_clean(), timeout=120)
    check(w.returncode == 0, f"watch --config (from the example) --once: {w.returncode} {w.stderr[-1000:]}")
    brief = os.path.join(wout, "RSP-2026-00417", "brief.pdf")
    check(os.path.isfile(brief) and "Site overlay brief" in pdf_text(brief), "the watcher uses site_templates")

    # nothing found: it says where it looked
    bad = run([binary, "validate", sample], env=env_clean(P2PDOC_ROOT=os.path.join(tmp, "nowhere")))
    check(bad.returncode == 1 and "nowhere holds no templates/packet.json" in bad.stderr, f"a wrong P2PDOC_ROOT: {bad.stderr}")
    lone = os.path.join(tmp, "lone", "bin")
    os.makedirs(lone)
    shutil.copy(binary, lone)
    src_root = os.path.abspath(sys.argv[3])
    # hide the source tree the binary was built from (a private mount namespace), so nothing is found
    probe = run(["unshare", "-m", "true"]) if shutil.which("unshare") else None
    if probe is None or probe.returncode != 0:
        print("install: the 'nothing found' check skipped: no private mount namespace here (unshare -m)")
        return
    hidden = run(["unshare", "-m", "sh", "-c", f"mount -t tmpfs none '{src_root}' && exec '{lone}/p2pdoc' validate x.json"],
                 env=env_clean())
    check(hidden.returncode == 1, f"nothing found: exit {hidden.returncode} {hidden.stderr}")
    for where in ("$P2PDOC_ROOT (not set)", os.path.join(tmp, "lone", "share", "p2pdoc") + " (beside the binary)",
                  src_root + " (the source tree it was built from)", "pass --root DIR or set P2PDOC_ROOT"):
        check(where in hidden.stderr, f"nothing found: the message names {where!r}: {hidden.stderr}")


def main():
    cmake, build, root = sys.argv[1], os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    tmp = tempfile.mkdtemp(prefix="p2p-install-")
    try:
        prefix = os.path.join(tmp, "usr")
        r = run([cmake, "--install", build, "--prefix", prefix])
        if not check(r.returncode == 0, f"cmake --install: {r.stdout[-1000:]} {r.stderr[-1000:]}"):
            finish("")
        binary = os.path.join(prefix, "bin", "p2pdoc")
        check_layout(prefix, binary)
        check_man_pages(prefix, binary)
        check_units(prefix, binary)
        check_installed_binary(prefix, binary, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    finish("install: ok")


if __name__ == "__main__":
    main()
