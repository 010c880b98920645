#!/usr/bin/env python3
"""The Debian package (issue 13, docs/install.md): `cpack -G DEB` from the
build folder into a temporary folder, then

- its control data: Depends names the package of every shared library the
  binary needs (found with objdump and dpkg -S, so nothing is missed when a
  dependency changes), and the maintainer scripts are there;
- `dpkg-deb --contents`: the binary, data, man pages, units, sysusers and
  tmpfiles files, examples, all under /usr, nothing under /etc;
- `dpkg-deb -x` into a fresh folder: the unpacked /usr/bin/p2pdoc writes a
  packet from an installed sample that pdfinfo and pdftotext read;
- `dpkg --root` into a fresh root (its own dpkg database, the maintainer
  scripts run with DPKG_ROOT): the p2pdoc user, its folders and the settings
  files appear; the site's edits to a settings file and its data survive
  `dpkg -r` and `dpkg -P`.

Usage: check_deb.py CPACK BUILD_DIR SOURCE_ROOT    (77: dpkg tools absent)
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from e2e import check, finish, pdf_text, run  # noqa: E402

EPOCH = "1795435200"


def needed_packages(binary):
    """The Debian packages of the shared libraries `binary` links (NEEDED entries)."""
    dump = run(["objdump", "-p", binary]).stdout
    packages = set()
    for lib in re.findall(r"^\s+NEEDED\s+(\S+)", dump, re.M):
        path = run(["sh", "-c", f"ldconfig -p | awk '$1 == \"{lib}\" {{print $NF; exit}}'"]).stdout.strip()
        owner = run(["dpkg", "-S", os.path.realpath(path)]) if path else None
        if not owner or owner.returncode != 0:
            owner = run(["dpkg", "-S", path]) if path else None
        if owner and owner.returncode == 0:
            packages.add(owner.stdout.split(":")[0].strip())
        else:
            check(False, f"cannot find the package of {lib} ({path})")
    return packages


def control_field(info, name):
    m = re.search(rf"^ {name}: (.*)$", info, re.M)
    return m.group(1) if m else ""


def check_control(deb, build):
    info = run(["dpkg-deb", "-I", deb]).stdout
    depends = control_field(info, "Depends")
    names = {d.strip().split(" ")[0] for d in depends.split(",") if d.strip()}
    # the front is static (-static-pie); p2pdoc-full carries the shared libraries
    want = needed_packages(os.path.join(build, "src", "p2pdoc")) | needed_packages(os.path.join(build, "src", "p2pdoc-full"))
    check(want and want <= names, f"Depends {sorted(names)} lacks {sorted(want - names)}")
    for lib in ("libpodofo", "libcmark-gfm", "libcurl", "libpq", "libsqlite3", "libssl"):
        check(any(n.startswith(lib) for n in names), f"Depends names {lib}*: {depends}")
    check(control_field(info, "Package") == "p2pdoc", "Package: p2pdoc")
    check("icc-profiles-free" in control_field(info, "Recommends"), "Recommends the sRGB profile --pdfa embeds")
    for script in ("postinst", "prerm"):
        check(re.search(rf"\b{script}\b", info), f"the package carries its {script}")
    print(f"deb: Depends: {depends}")


def check_contents(deb):
    listing = run(["dpkg-deb", "--contents", deb]).stdout
    paths = {line.split()[-1] for line in listing.splitlines() if line.strip()}
    for want in ["./usr/bin/p2pdoc", "./usr/share/p2pdoc/templates/packet.json",
                 "./usr/share/p2pdoc/fonts/LiberationSerif-Regular.ttf", "./usr/share/p2pdoc/schema/p2p-case-1.schema.json",
                 "./usr/share/man/man1/p2pdoc.1.gz", "./usr/share/man/man1/p2pdoc-serve.1.gz",
                 "./usr/libexec/p2pdoc/p2pdoc-full",
                 "./usr/lib/systemd/system/p2pdoc-watch.service", "./usr/lib/systemd/system/p2pdoc-serve.service",
                 "./usr/lib/sysusers.d/p2pdoc.conf", "./usr/lib/tmpfiles.d/p2pdoc.conf",
                 "./usr/share/doc/p2pdoc/examples/watch.conf", "./usr/share/doc/p2pdoc/examples/serve.conf"]:
        check(want in paths, f"dpkg-deb --contents lists {want}")
    check(not any(p.startswith("./etc/") for p in paths), "the package ships nothing under /etc (the site's)")
    check(not any(p.startswith("./usr/share/man/") and p.endswith(".1") for p in paths), "every man page is gzipped")
    check(re.search(r"^-rwxr-xr-x .* \./usr/bin/p2pdoc$", listing, re.M), "the binary is 0755")


def check_unpacked(deb, tmp):
    root = os.path.join(tmp, "unpacked")
    r = run(["dpkg-deb", "-x", deb, root])
    if not check(r.returncode == 0, f"dpkg-deb -x: {r.stderr}"):
        return
    binary = os.path.join(root, "usr", "bin", "p2pdoc")
    unit = open(os.path.join(root, "usr/lib/systemd/system/p2pdoc-serve.service"), encoding="utf-8").read()
    check("ExecStart=/usr/bin/p2pdoc serve --config /etc/p2pdoc/serve.conf" in unit, "the unit runs /usr/bin/p2pdoc")
    env = {k: v for k, v in os.environ.items() if not k.startswith("P2PDOC_")}
    env["SOURCE_DATE_EPOCH"] = EPOCH
    out = os.path.join(tmp, "out")
    sample = os.path.join(root, "usr", "share", "p2pdoc", "samples", "uhc-lumbar-mri.json")
    g = run([binary, "generate", sample, "-o", out, "--no-ledger"], cwd=tmp, env=env)
    check(g.returncode == 0, f"the unpacked binary: {g.returncode} {g.stderr[-1000:]}")
    brief = os.path.join(out, "RSP-2026-00417", "brief.pdf")
    info = run(["pdfinfo", brief])
    check(info.returncode == 0 and re.search(r"^Pages:\s+1$", info.stdout, re.M), f"pdfinfo: {info.stdout} {info.stderr}")
    text = pdf_text(brief)
    check("RSP-2026-00417" in text and "UnitedHealthcare" in text, f"pdftotext of the brief: {text[:300]}")


def fresh_dpkg_root(root):
    """An empty system at `root` with its own dpkg database; returns the dpkg
    command that installs into it (maintainer scripts run with DPKG_ROOT)."""
    for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "etc"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    for f in ("var/lib/dpkg/status", "var/lib/dpkg/available"):
        open(os.path.join(root, f), "w").close()
    with open(os.path.join(root, "etc", "group"), "w") as f:
        f.write("root:x:0:\n")
    with open(os.path.join(root, "etc", "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\n")
    return ["dpkg", f"--root={root}", "--force-script-chrootless", "--force-depends", "--force-not-root"]


def build_deb(cpack, build, tmp):
    """`cpack -G DEB` of the build folder into `tmp`: the .deb's path, or None (checked)."""
    r = run([cpack, "-G", "DEB", "-B", tmp, "--config", os.path.join(build, "CPackConfig.cmake")], cwd=build)
    debs = glob.glob(os.path.join(tmp, "*.deb"))
    if not check(r.returncode == 0 and len(debs) == 1, f"cpack -G DEB: {r.stdout[-2000:]} {r.stderr[-2000:]}"):
        return None
    return debs[0]


def check_dpkg_root(deb, tmp):
    root = os.path.join(tmp, "root")
    dpkg = fresh_dpkg_root(root)
    inst = run(dpkg + ["-i", deb])
    if not check(inst.returncode == 0, f"dpkg --root -i: {inst.stdout[-1000:]} {inst.stderr[-1000:]}"):
        return
    check(os.access(os.path.join(root, "usr/bin/p2pdoc"), os.X_OK), "dpkg --root installed /usr/bin/p2pdoc")
    for conf in ("watch.conf", "serve.conf"):
        check(os.path.isfile(os.path.join(root, "etc/p2pdoc", conf)), f"postinst put /etc/p2pdoc/{conf} in place")
    if shutil.which("systemd-sysusers") and shutil.which("systemd-tmpfiles"):
        check(re.search(r"^p2pdoc:", open(os.path.join(root, "etc/passwd")).read(), re.M), "postinst made the p2pdoc user")
        inbox = os.path.join(root, "var/spool/p2pdoc/inbox")
        check(os.path.isdir(inbox) and (os.stat(inbox).st_mode & 0o7777) == 0o2770, "postinst made the inbox 2770")
    # the site's own: an edited settings file, a packet, an overlay template
    with open(os.path.join(root, "etc/p2pdoc/watch.conf"), "a") as f:
        f.write("# edited by the site\n")
    os.makedirs(os.path.join(root, "var/lib/p2pdoc/packets/RSP-1"), exist_ok=True)
    open(os.path.join(root, "var/lib/p2pdoc/packets/RSP-1/brief.pdf"), "w").close()
    os.makedirs(os.path.join(root, "etc/p2pdoc/templates/brief"), exist_ok=True)
    open(os.path.join(root, "etc/p2pdoc/templates/brief/default.md"), "w").close()
    again = run(dpkg + ["-i", deb])  # an upgrade (the same version again) keeps the edits
    check(again.returncode == 0 and "edited by the site" in open(os.path.join(root, "etc/p2pdoc/watch.conf")).read(),
          "reinstalling keeps the site's watch.conf")
    for action in ("-r", "-P"):
        r = run(dpkg + [action, "p2pdoc"])
        check(r.returncode == 0, f"dpkg --root {action}: {r.stderr[-1000:]}")
    check(not os.path.exists(os.path.join(root, "usr/bin/p2pdoc")), "dpkg -P removed the binary")
    for kept in ("etc/p2pdoc/watch.conf", "etc/p2pdoc/templates/brief/default.md", "var/lib/p2pdoc/packets/RSP-1/brief.pdf"):
        check(os.path.exists(os.path.join(root, kept)), f"purge leaves the site's /{kept}")


def main():
    cpack, build = sys.argv[1], os.path.abspath(sys.argv[2])
    for tool in ("dpkg-deb", "dpkg-shlibdeps", "dpkg", "objdump", "pdfinfo"):
        if not shutil.which(tool):
            print(f"deb: skipped: {tool} is not installed (dpkg-dev, binutils, poppler-utils)")
            sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="p2p-deb-")
    try:
        deb = build_deb(cpack, build, tmp)
        if deb:
            print(f"deb: {os.path.basename(deb)}, {os.path.getsize(deb)} bytes")
            check_control(deb, build)
            check_contents(deb)
            check_unpacked(deb, tmp)
            check_dpkg_root(deb, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    finish("deb: ok")


if __name__ == "__main__":
    main()
