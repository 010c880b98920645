"""Random valid cases (format p2p-case/1) for the property test.

Test-only. `generate_case(rng, index, root)` builds one case from a seeded
random.Random, so `case_for(seed, index)` always gives the same case: a
failure reported as (seed, index) reproduces with

    python3 tests/property/gen_cases.py --seed S --index I > case.json

Every optional field is present or absent at random (optional text sometimes
present but empty, which the format allows); every criterion status, call
disposition, plan type, denial type and setting occurs; payers are the
library's (templates/knowledge/payers) plus an id the library lacks; citations
are library keys or written out. Names use scripts the shipped fonts cover
(Latin with accents, Cyrillic, Greek, Vietnamese); CJK, emoji and right-to-left
text are refused by design and never generated. Lists run from empty to the
format's limits (docs/case-format.md, Limits)."""
import datetime
import glob
import json
import os
import random
import sys

TODAY = datetime.date(2026, 11, 23)  # SOURCE_DATE_EPOCH 1795435200 in the tests

PLAN_TYPES = ["erisa", "state_regulated", "medicare_advantage", "medicaid_managed_care", "aca_marketplace",
              "fehb", "other"]
DENIAL_TYPES = ["medical_necessity", "insufficient_documentation", "criteria_not_met",
                "experimental_investigational", "level_of_care", "concurrent_review", "out_of_network",
                "benefit_exclusion", "administrative"]
SETTINGS = ["outpatient", "inpatient", "residential", "home", "pharmacy"]
STATUSES = ["met", "not_met", "partial", "unknown"]
DISPOSITIONS = ["overturned", "upheld", "deferred", "modified"]
STATES = ["NY", "TX", "CA", "IL", "FL", "PA", "OH", "WA", "MA", "GA", "DC", "PR"]

NAMES = ["Maria José Núñez", "Zoë Castellano", "François Béranger", "Ingrid Ødegaard", "Jürgen Weiß",
         "Łukasz Wójcik", "Şükrü Yılmaz", "Ольга Смирнова", "Дмитрий Иванов", "Ελένη Παπαδοπούλου",
         "Γιώργος Νικολάου", "Nguyễn Thị Thu Hà", "Trần Văn Đức", "Thành Nguyễn", "Siobhán O'Brien",
         "Ana-Lucía Peña", "Noémie Fairbairn", "Derrick Holloway", "Mateus Brandão", "Ærin Sørensen",
         "Jean-Luc D'Arcy", "Chloë Brontë-Smith", "Renée Zellweger-Ávila", "J. R. R. Dunne"]
WORDS = ("pain weeks months therapy physical daily walking sleep score baseline unchanged improved worse "
         "imaging lumbar cervical knee shoulder infusion dose response trial failed tolerated stopped "
         "nausea fatigue function work stairs blocks ODI NRS PHQ-9 HbA1c 7.9% 52/100 48/100 4/5 "
         "résumé naïve café Ødegaard Ж Ω ỹ").split()
SPECIALTIES = ["Orthopaedic spine surgery", "Internal medicine", "Dermatology", "Medical oncology",
               "Pain medicine", "Addiction psychiatry", "Pulmonology", "Radiation oncology", "Family medicine",
               "Pediatric gastroenterology", "Neurology"]
ICD10 = ["M51.16", "M54.16", "M47.812", "L40.0", "C34.90", "F10.20", "J44.1", "G89.4", "C41.2", "I63.9",
         "C43.9", "Z15.01", "E11.65", "M17.11", "G35", "S72.001A", "Z79.899"]
CPT = ["72148", "22551", "99233", "64555", "77525", "H0018", "J0135", "J9271", "27447", "0232T", "3074F",
       "81162", "95810", "97110"]


def sentence(rng, lo=3, hi=18, end=None):
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    s = " ".join(words)
    s = s[0].upper() + s[1:]
    if end is None:
        end = rng.choice(["", ".", ".", "!", "..."]) if rng.random() < 0.5 else ""
    return s + end


def long_text(rng, limit=2000):
    """Up to the format's length limit, rarely."""
    if rng.random() < 0.03:
        text = ""
        while len(text) < limit - 120:
            text += sentence(rng, end=". ")
        return text.strip()[:limit].rstrip()
    return sentence(rng, 6, 40)


def maybe(rng, p=0.5):
    return rng.random() < p


def opt_text(rng, obj, key, value, p=0.6):
    """Sets an optional text: absent, present, or (rarely) empty."""
    r = rng.random()
    if r < p:
        obj[key] = value
    elif r < p + 0.08:
        obj[key] = ""


def date_iso(d):
    return d.isoformat()


def datetime_iso(rng, d):
    tz = rng.choice(["-05:00", "-06:00", "-08:00", "Z", "+00:00", "-04:00"])
    return f"{d.isoformat()}T{rng.randint(7, 18):02d}:{rng.choice([0, 15, 30, 45]):02d}:00{tz}"


def count(rng, limit, typical=5):
    """A list length: usually small, sometimes 0, rarely the limit."""
    r = rng.random()
    if r < 0.15:
        return 0
    if r < 0.18:
        return limit
    return rng.randint(1, min(limit, typical))


def icd10(rng):
    if maybe(rng, 0.7):
        return rng.choice(ICD10)
    letters = "ABCDEFGHIJKLMNOPQRSTVWXYZ"  # U is reserved; any letter is pattern-valid
    code = rng.choice(letters) + str(rng.randint(0, 9)) + rng.choice("0123456789AB")
    if maybe(rng, 0.8):
        code += "." + "".join(rng.choice("0123456789X") for _ in range(rng.randint(1, 4)))
    return code


def service(rng):
    if maybe(rng, 0.6):
        code = rng.choice(CPT)
    else:
        code = rng.choice([f"{rng.randint(10000, 99999)}", f"{rng.randint(1000, 9999)}{rng.choice('FTU')}",
                           f"{rng.choice('ABCEGHJKLQ')}{rng.randint(0, 9999):04d}"])
    system = "HCPCS" if code[0].isalpha() else "CPT"
    s = {"code": code, "system": system, "description": long_text(rng)}
    if maybe(rng):
        s["units"] = rng.randint(1, 30)
    # the triage's amount from a generator of its own, so adding it left
    # every other field of every seed as it was
    side = random.Random(code + s["description"][:20])
    if side.random() < 0.5:
        s["expected_amount_usd"] = side.choice([0, 25, 180.5, 2100, 48000, 10000000])
    return s


def reviewer(rng):
    r = {}
    opt_text(rng, r, "name", rng.choice(NAMES))
    opt_text(rng, r, "credentials", rng.choice(["MD", "DO", "RN", "MD, PhD"]))
    opt_text(rng, r, "specialty", rng.choice(SPECIALTIES))
    return r


def library(root):
    payers = sorted(os.path.splitext(os.path.basename(p))[0]
                    for p in glob.glob(os.path.join(root, "templates", "knowledge", "payers", "*.json")))
    payers = [p for p in payers if p != "default"] + ["regional-health-plan"]
    cites = json.load(open(os.path.join(root, "templates", "knowledge", "citations.json"), encoding="utf-8"))
    return payers, sorted(cites["citations"])


def generate_case(rng, index, root, lib=None):
    payers, cite_keys = lib or library(root)
    denial_date = TODAY - datetime.timedelta(days=rng.randint(0, 70))
    dob = datetime.date(rng.randint(1930, 2020), rng.randint(1, 12), rng.randint(1, 28))
    c = {"format": "p2p-case/1", "case_id": f"PROP-{index:05d}"}
    if maybe(rng):
        c["urgent"] = maybe(rng, 0.3)
    if maybe(rng):
        c["setting"] = rng.choice(SETTINGS)
    practice = {"name": rng.choice(["Riverside Spine & Pain", "Clinique Saint-Éloi", "Сибирская клиника",
                                    "Κλινική Αθηνών", "Phòng khám Hà Nội", "North*Star_{Clinic}"])}
    if maybe(rng):
        practice["address"] = [sentence(rng, 2, 6, "") for _ in range(count(rng, 3, 3))]  # the letterhead holds name, address, contact and NPI lines: at most 6
    for k in ("phone", "fax", "npi"):
        opt_text(rng, practice, k, "(518) 555-01%02d" % rng.randint(0, 99) if k != "npi" else "1457389206")
    c["practice"] = practice
    physician = {"name": rng.choice(NAMES), "specialty": rng.choice(SPECIALTIES)}
    opt_text(rng, physician, "credentials", rng.choice(["MD", "DO", "MD, FACS"]))
    opt_text(rng, physician, "npi", "1093817265")
    opt_text(rng, physician, "phone", "(518) 555-0150")
    c["physician"] = physician
    if maybe(rng):
        cm = {}
        opt_text(rng, cm, "name", rng.choice(NAMES))
        opt_text(rng, cm, "phone", "(518) 555-0161")
        opt_text(rng, cm, "email", "cm@example.org")
        c["case_manager"] = cm
    patient = {"name": rng.choice(NAMES), "dob": date_iso(dob), "member_id": f"M{rng.randint(10**6, 10**9)}"}
    opt_text(rng, patient, "sex", rng.choice(["F", "M", "X"]))
    opt_text(rng, patient, "mrn", f"MRN-{rng.randint(1000, 99999)}")
    opt_text(rng, patient, "group_number", f"G{rng.randint(100, 9999)}")
    c["patient"] = patient
    payer_id = rng.choice(payers)
    payer = {"id": payer_id, "name": payer_id.upper().replace("-", " ") + " Health",
             "plan_type": rng.choice(PLAN_TYPES), "state": rng.choice(STATES)}
    opt_text(rng, payer, "plan", sentence(rng, 2, 5, ""))
    opt_text(rng, payer, "p2p_phone", "(800) 555-0199")
    opt_text(rng, payer, "appeals_fax", "(800) 555-0198")
    if maybe(rng, 0.4):
        payer["appeals_address"] = [sentence(rng, 2, 5, "") for _ in range(count(rng, 6, 3))]
    c["payer"] = payer
    denial = {"date": date_iso(denial_date), "type": rng.choice(DENIAL_TYPES), "reason": long_text(rng)}
    opt_text(rng, denial, "reason_code", f"RC-{rng.randint(1, 99)}")
    opt_text(rng, denial, "reference_number", f"A{rng.randint(10**5, 10**7)}")
    opt_text(rng, denial, "claim_number", f"CL{rng.randint(10**5, 10**7)}")
    if maybe(rng):
        denial["reviewer"] = reviewer(rng)
    c["denial"] = denial
    diagnoses = [{"icd10": icd10(rng), "description": long_text(rng)} for _ in range(max(1, count(rng, 12, 3)))]
    if maybe(rng, 0.7):
        diagnoses[0]["primary"] = True
    c["diagnoses"] = diagnoses
    c["services"] = [service(rng) for _ in range(max(1, count(rng, 20, 3)))]
    clinical = {"summary": long_text(rng), "if_upheld": long_text(rng)}
    opt_text(rng, clinical, "duration", f"{rng.randint(1, 52)} weeks")
    opt_text(rng, clinical, "functional_status", long_text(rng))
    if maybe(rng, 0.4):
        score = {"measure": rng.choice(["ODI", "NDI", "DLQI", "ECOG", "Индекс Освестри"]),
                 "score": rng.choice(["48/100", "54 %", "1", "17/30", "—"])}
        if maybe(rng):
            score["date"] = date_iso(denial_date - datetime.timedelta(days=rng.randint(0, 90)))
        clinical["functional_score"] = score
    if maybe(rng):
        clinical["findings"] = [long_text(rng) for _ in range(count(rng, 20, 4))]
    if maybe(rng, 0.7):
        clinical["prior_treatments"] = []
        for _ in range(count(rng, 50, 5)):
            start = denial_date - datetime.timedelta(days=rng.randint(10, 700))
            t = {"treatment": sentence(rng, 2, 8, ""), "start": date_iso(start), "outcome": long_text(rng)}
            if maybe(rng):
                t["end"] = date_iso(start + datetime.timedelta(days=rng.randint(0, 9)))
            clinical["prior_treatments"].append(t)
    opt_text(rng, clinical, "urgency_reason", long_text(rng), p=0.4)
    c["clinical"] = clinical
    if maybe(rng, 0.75):
        policy = {}
        opt_text(rng, policy, "id", f"POL-{rng.randint(1, 999)}")
        opt_text(rng, policy, "name", sentence(rng, 3, 9, ""))
        if maybe(rng, 0.2):
            policy["url"] = "https://example.org/policy/" + str(rng.randint(1, 999))
        if maybe(rng, 0.3):
            policy["effective"] = date_iso(denial_date - datetime.timedelta(days=rng.randint(1, 900)))
        if maybe(rng, 0.85):
            n = count(rng, 200, 6) if maybe(rng, 0.3) else rng.randint(1, 6)
            all_met = maybe(rng, 0.3)
            crit = []
            for i in range(n):
                cr = {"id": rng.choice([str(i + 1), chr(65 + i % 26), f"{i + 1}.{rng.randint(1, 4)}"]),
                      "text": long_text(rng), "status": "met" if all_met else rng.choice(STATUSES)}
                opt_text(rng, cr, "evidence", long_text(rng))
                opt_text(rng, cr, "source", f"Office note {date_iso(denial_date - datetime.timedelta(days=rng.randint(1, 90)))}")
                crit.append(cr)
            policy["criteria"] = crit
        c["policy"] = policy
    if maybe(rng, 0.7):
        cites = []
        for _ in range(count(rng, 20, 3)):
            if maybe(rng, 0.4):
                cites.append(rng.choice(cite_keys))
                continue
            ct = {"kind": rng.choice(["guideline", "study"]), "source": rng.choice(["ACR", "NCCN", "JAMA", "NEJM"]),
                  "title": sentence(rng, 4, 14, "")}
            if maybe(rng):
                ct["year"] = rng.randint(1990, 2026)
            if maybe(rng, 0.3):
                ct["pmid"] = str(rng.randint(1, 40000000))
            if maybe(rng, 0.2):
                ct["doi"] = f"10.{rng.randint(1000, 9999)}/x.{rng.randint(1, 9999)}"
            opt_text(rng, ct, "point", long_text(rng))
            cites.append(ct)
        c["citations"] = cites
    if maybe(rng, 0.7):
        p2p = {}
        if maybe(rng, 0.7):
            p2p["scheduled"] = datetime_iso(rng, denial_date + datetime.timedelta(days=rng.randint(1, 10)))
        opt_text(rng, p2p, "reference_number", f"P2P-{rng.randint(1000, 99999)}")
        opt_text(rng, p2p, "phone", "(800) 555-0199 option 3")
        if maybe(rng, 0.4):
            p2p["reviewer"] = reviewer(rng)
        opt_text(rng, p2p, "goal", long_text(rng))
        opt_text(rng, p2p, "fallback", long_text(rng))
        c["p2p"] = p2p
    if maybe(rng, 0.5):
        call = {}
        if maybe(rng, 0.8):
            call["started"] = datetime_iso(rng, min(TODAY, denial_date + datetime.timedelta(days=rng.randint(1, 10))))
        if maybe(rng):
            call["duration_minutes"] = rng.choice([5, 12, 15.5, 30, 45])
        if maybe(rng):
            call["reviewer"] = reviewer(rng)
        if maybe(rng):
            call["points_discussed"] = [long_text(rng) for _ in range(count(rng, 20, 3))]
        opt_text(rng, call, "reviewer_reasoning", long_text(rng))
        if maybe(rng, 0.85):
            call["disposition"] = rng.choice(DISPOSITIONS)
        if call.get("disposition") in ("overturned", "modified") or maybe(rng, 0.1):
            opt_text(rng, call, "auth_number", f"AUTH-{rng.randint(10**5, 10**7)}", p=0.85)
        if maybe(rng):
            kinds = ["Reviewer was an internist, not a spine specialist", "Reviewer refused to look at the new MRI images",
                     "Reviewer would not discuss the supplied guidelines", "Reviewer would not engage with prior treatment failures",
                     "Scheduling delay: two call backs missed", sentence(rng, 3, 10)]
            call["objections"] = [rng.choice(kinds) for _ in range(count(rng, 20, 2))]
        if maybe(rng):
            call["next_steps"] = [long_text(rng) for _ in range(count(rng, 20, 3))]
        if call.get("disposition") == "modified" and maybe(rng, 0.6):
            call["approved"] = approval(rng, c["services"])
        c["call"] = call
    return c


def approval(rng, services):
    """A valid call.approved for a modified outcome: some requested codes,
    each in full or in part, never every one in full."""
    asked = {}
    for sv in services:
        asked[sv["code"]] = asked.get(sv["code"], 0) + sv.get("units", 1)
    items = []
    for code, total in asked.items():
        if not maybe(rng, 0.6):
            continue
        if maybe(rng, 0.5):
            items.append({"code": code})
        else:
            items.append({"code": code, "units": rng.randint(1, total)})
    if len(items) == len(asked) and all(it.get("units", asked[it["code"]]) == asked[it["code"]] for it in items):
        items.pop()
    approved = {}
    if maybe(rng, 0.7):
        approved["auth_number"] = f"PA-{rng.randint(10**5, 10**7)}"
    if items or maybe(rng):
        approved["services"] = items
    return approved


def case_for(seed, index, root, lib=None):
    return generate_case(random.Random(f"{seed}:{index}"), index, root, lib)


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", required=True)
    ap.add_argument("--index", type=int, required=True)
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    a = ap.parse_args()
    json.dump(case_for(a.seed, a.index, a.root), sys.stdout, ensure_ascii=False, indent=2)
    print()
