#!/usr/bin/env python3
"""Writes the man pages, p2pdoc(1) and p2pdoc-COMMAND(1), into OUTDIR.

Usage: man_pages.py BINARY OUTDIR VERSION COMMAND...

The synopsis, arguments and options of every page come from the binary's own
--help, so they cannot drift from the code; the prose beside them is written
here, short, and points at the manual in docs/ (installed in
share/doc/p2pdoc). Fails when the binary's commands and COMMAND... differ (a
new command needs its page here and in packaging/CMakeLists.txt).
Output depends only on the binary and VERSION (no date), so it is reproducible.
"""
import re
import subprocess
import gzip
import sys
from pathlib import Path

DATA = ("The shipped templates, knowledge library, fonts and schemas are found, first found wins, in: "
        "the folder given by \\fB\\-\\-root\\fR; \\fB$P2PDOC_ROOT\\fR; \\fI../share/p2pdoc\\fR beside the "
        "binary (an installed copy); the source tree the binary was built from. When none holds "
        "\\fItemplates/packet.json\\fR, p2pdoc says where it looked and exits 1.")

# command -> (what it is for, in a few sentences; extra exit codes; manual in docs/)
PROSE = {
    "generate": ("Validates each case file (format p2p-case/1) and writes its packet to "
                 "\\fIOUT/<case_id>/\\fR: brief.pdf, p2p-script.pdf, lomn.pdf, appeal-cover.pdf, "
                 "post-call.pdf, notice.txt, manifest.json and case.json. The packet is written under "
                 "a temporary name and renamed whole; an invalid case writes nothing and does not stop "
                 "the others. Each packet is also recorded in the case ledger (OUT/p2pdoc.db) unless "
                 "\\fB\\-\\-no\\-ledger\\fR is given.", {}, "case-format.md"),
    "render": ("Writes one document of a case's packet (\\fIKIND\\fR as templates/packet.json names it: "
               "brief, p2p-script, lomn, appeal-cover, post-call or notice) to one file, or with "
               "\\fB\\-o \\-\\fR to standard output, exactly as \\fBgenerate\\fR makes it in the packet. "
               "Nothing else is written and nothing is recorded: for printing the one-page brief. An "
               "unknown kind or an invalid case exits 2 and writes nothing.", {}, "case-format.md"),
    "validate": ("Checks case files against format p2p-case/1 and the knowledge library, reporting every "
                 "problem with its JSON path. Writes nothing.", {"3": "no case is invalid but some are drafts to complete"},
                 "case-format.md"),
    "explain": ("Prints, for each case, the template chosen for every document and the candidates tried "
                "(a site's own file is named by its folder), the library entries used, the deadlines and "
                "the triage's arithmetic.", {}, "templates.md"),
    "view": ("Prints the data a template sees for each case, as JSON, for template authors.", {}, "templates.md"),
    "check-templates": ("Expands every template (shipped and the site's own) against every case given "
                        "(default: the samples under ROOT/samples) and reports artefacts: unknown "
                        "placeholders, broken tags, leftover markup.", {}, "templates.md"),
    "watch": ("Watches INBOX and turns each case file dropped into it into a packet under OUT, until "
              "SIGTERM (or, with \\fB\\-\\-once\\fR, until the inbox is empty). A file is claimed into "
              "\\fIINBOX/working/\\fR and moved to \\fIdone/\\fR or \\fIfailed/\\fR (beside an "
              "\\fI.error.json\\fR naming every problem). Filled post-call forms dropped into "
              "\\fIINBOX/outcomes/\\fR are recorded. SIGHUP reads the templates and rules again. "
              "The unit \\fBp2pdoc\\-watch.service\\fR runs it with \\fI/etc/p2pdoc/watch.conf\\fR.",
              {}, "watch.md"),
    "serve": ("Runs the HTTP service an EHR's integration engine calls: POST /v1/packets and /v1/validate "
              "take a case as the request body (any content type but multipart, compressed or "
              "non-JSON media types, which get 415), GET /v1/packets/<case_id>/<file> returns a document, "
              "POST /v1/cases/<case_id>/events records a step, GET /v1/queue, /healthz and /metrics. "
              "Without tokens it listens on loopback only. The unit \\fBp2pdoc\\-serve.service\\fR runs it "
              "with \\fI/etc/p2pdoc/serve.conf\\fR.", {}, "service.md"),
    "event": ("Records a step taken by phone or fax (requested, scheduled, an appeal filed or decided, "
              "closed) for a case in the ledger.", {}, "ledger.md"),
    "due": ("Lists the open cases of the ledger by the next deadline that matters, missed windows "
            "flagged; \\fB\\-\\-weekly\\fR gives the weekly review.", {}, "ledger.md"),
    "record": ("Reads filled post-call forms back, checks them (every problem named by its form field), "
               "records each call as a call_held event and writes the follow-up documents again.",
               {}, "ledger.md"),
    "report": ("Writes the overturn report for a period of the ledger as PDF, CSV or JSON: overturn "
               "rates by payer, denial reason, service and physician with 95% intervals beside the "
               "published benchmarks.", {}, "report.md"),
    "demo-ledger": ("Fills a new ledger with a synthetic history of invented cases, to try "
                    "\\fBp2pdoc report\\fR on. The same seed gives the same history.", {}, "report.md"),
    "import": ("\\fBimport pas\\fR reads a Da Vinci PAS response (FHIR), with the request it answers, "
               "and writes a draft case listing what is still to complete.",
               {"3": "the response approves the request (nothing written)",
                "4": "the response is pended (nothing written)",
                "5": "the response is an error response (nothing written)"}, "fhir.md"),
}

ENVIRONMENT = [
    ("P2PDOC_ROOT", "The folder holding templates/ and fonts/, when \\fB\\-\\-root\\fR is not given."),
    ("P2PDOC_SITE_TEMPLATES", "A site's overlay of templates/: each file in it replaces the shipped file "
                              "with the same relative path. Set but empty: no overlay. Unset: "
                              "\\fI/etc/p2pdoc/templates\\fR when that folder exists and the data is the "
                              "installed copy."),
    ("SOURCE_DATE_EPOCH", "Fixes the clock (seconds since 1970): the same case then gives byte-identical PDFs."),
]


def roff(text):
    """Plain text (from --help) made safe for roff."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text.startswith((".", "'")) else text


def run_help(binary, args):
    out = subprocess.run([binary, *args, "--help"], capture_output=True, text=True, check=True).stdout
    return out.splitlines()


def sections(lines):
    """The --help text as {section: [(spec, description)]}, with 'about' and 'usage'."""
    found = {"about": lines[0] if lines else "", "usage": ""}
    current = None
    for line in lines[1:]:
        if line.startswith("Usage: "):
            found["usage"] = line[len("Usage: "):]
        elif re.match(r"^[A-Z][a-z]+:$", line):
            current = line[:-1]
            found[current] = []
        elif current and line.startswith("  ") and line.strip():
            m = re.match(r"^  (\S.*?)(?:\s{2,}(\S.*))?$", line)
            found[current].append((m.group(1), m.group(2) or ""))
    return found


def option_items(entries):
    out = []
    for spec, desc in entries:
        if spec.startswith("-h,--help"):
            continue
        names, _, value = spec.partition(" ")
        value = value.replace(" REQUIRED", "").strip()
        shown = ", ".join(f"\\fB{roff(n)}\\fR" for n in names.split(","))
        if value:
            shown += " \\fI" + roff(value) + "\\fR"
        out += [".TP", shown, roff(desc)]
    return out


def positional_items(entries):
    out = []
    for spec, desc in entries:
        name = spec.split(" ")[0]
        many = " ..." if "..." in spec else ""
        required = "" if "REQUIRED" in spec else " (optional)"
        out += [".TP", f"\\fI{roff(name)}\\fR{many}", roff(desc) + required]
    return out


def header(name, version, summary):
    title = roff(name.upper())
    return [f'.TH {title} 1 "" "p2pdoc {version}" "p2pdoc manual"',
            ".SH NAME", f"{roff(name)} \\- {roff(summary)}"]


def exit_section(extra):
    lines = [".SH EXIT STATUS", ".TP", "0", "every input was handled", ".TP", "1",
             "an internal error (a template or rule file, the disk, the data not found)", ".TP", "2",
             "some input is invalid (each problem is printed with its JSON path)"]
    for code, meaning in sorted(extra.items()):
        lines += [".TP", code, meaning]
    return lines


def command_page(binary, version, command):
    args = command.split(" ")
    help_ = sections(run_help(binary, args))
    prose, codes, manual = PROSE[args[0]]
    name = "p2pdoc-" + args[0]
    lines = header(name, version, help_["about"])
    usage = re.sub(r"^\S*p2pdoc", "p2pdoc", help_["usage"])
    lines += [".SH SYNOPSIS", f"\\fB{roff(usage)}\\fR", ".SH DESCRIPTION", prose]
    lines += [".PP", DATA] if any(s.startswith("--root") for s, _ in help_.get("Options", [])) else []
    if help_.get("Positionals"):
        lines += [".SH ARGUMENTS", *positional_items(help_["Positionals"])]
    lines += [".SH OPTIONS", *option_items(help_.get("Options", []))]
    for sub, _ in help_.get("Subcommands", []):  # import pas
        sub_help = sections(run_help(binary, [*args, sub]))
        sub_usage = roff(re.sub(r"^\S*p2pdoc", "p2pdoc", sub_help["usage"]))
        lines += [f'.SS "{roff(command)} {roff(sub)}"', roff(sub_help["about"]), ".PP", f"\\fB{sub_usage}\\fR"]
        lines += positional_items(sub_help.get("Positionals", [])) + option_items(sub_help.get("Options", []))
    lines += [".SH ENVIRONMENT"]
    for var, meaning in ENVIRONMENT:
        lines += [".TP", f"\\fB{var}\\fR", meaning]
    lines += exit_section(codes)
    lines += [".SH SEE ALSO", "\\fBp2pdoc\\fR(1),", f"\\fI/usr/share/doc/p2pdoc/{manual}\\fR"]
    return lines


def main_page(binary, version, commands):
    help_ = sections(run_help(binary, []))
    lines = header("p2pdoc", version, help_["about"])
    lines += [".SH SYNOPSIS", "\\fBp2pdoc\\fR \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]",
              ".SH DESCRIPTION",
              "p2pdoc turns a structured case file for a denied prior authorization into the packet "
              "around the peer-to-peer call with the payer's medical director: the one-page brief, the "
              "call script, a letter of medical necessity, the appeal cover letter, a fillable post-call "
              "record and the notice to the physician. Each command has its own page.",
              ".PP", DATA,
              ".SH COMMANDS"]
    for cmd, desc in help_["Subcommands"]:
        lines += [".TP", f"\\fBp2pdoc\\-{roff(cmd)}\\fR(1)", roff(desc)]
    lines += [".SH FILES", ".TP", "\\fI/usr/share/p2pdoc\\fR", "templates, knowledge library, fonts, schemas, samples",
              ".TP", "\\fI/etc/p2pdoc/templates\\fR",
              "the site's own templates and knowledge files, each replacing the shipped file of the same path",
              ".TP", "\\fI/etc/p2pdoc/watch.conf\\fR, \\fI/etc/p2pdoc/serve.conf\\fR",
              "settings of the units p2pdoc\\-watch.service and p2pdoc\\-serve.service",
              ".TP", "\\fI/usr/share/doc/p2pdoc/examples\\fR", "sample settings files"]
    lines += [".SH ENVIRONMENT"]
    for var, meaning in ENVIRONMENT:
        lines += [".TP", f"\\fB{var}\\fR", meaning]
    lines += exit_section({})
    lines += [".SH SEE ALSO", ", ".join(f"\\fBp2pdoc\\-{roff(c)}\\fR(1)" for c in commands)]
    return lines


def main():
    binary, outdir, version, *commands = sys.argv[1:]
    listed = [cmd for cmd, _ in sections(run_help(binary, []))["Subcommands"]]
    if sorted(listed) != sorted(commands) or set(commands) - set(PROSE):
        sys.exit(f"man_pages.py: the binary has commands {listed}; pages are set up for {commands} "
                 f"(add the new one to PROSE here and to P2P_MAN_COMMANDS in packaging/CMakeLists.txt)")
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    write_page(out / "p2pdoc.1.gz", main_page(binary, version, commands))
    for cmd in commands:
        write_page(out / f"p2pdoc-{cmd}.1.gz", command_page(binary, version, cmd))


def write_page(path, lines):
    """Gzipped at level 9 without a name or time stamp (Debian policy 12.1:
    what `gzip -9n` writes), so the same source gives the same bytes."""
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))


if __name__ == "__main__":
    main()
