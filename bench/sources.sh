#!/usr/bin/env bash
# bench/sources.sh DATA [MAX]: the real records the benches' generators draw from, as
# "title<TAB>authors<TAB>publisher" lines on standard output, each once: the Tiki list
# (DATA/vn/tiki-book_data.csv) and the MARC files of DATA/marc-extra/bulk (read with
# yaz-marcdump: 245 $a $b, the first 100/110 $a, the first 260/264 $b). Titles and authors are
# cut to MAX bytes (default 190) on a character boundary, publishers to 100.
set -euo pipefail
DATA=$1
MAX=${2:-190}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for f in "$DATA"/marc-extra/bulk/*.mrc; do yaz-marcdump -o line "$f" 2>/dev/null || true; done >"$TMP/marc.txt"
python3 - "$DATA/vn/tiki-book_data.csv" "$TMP/marc.txt" "$MAX" <<'EOF'
import csv, re, sys
seen = set()
most = int(sys.argv[3])
def out(t, a, p):
    t, a, p = (" ".join(x.replace("\t", " ").split()).strip(" /:;,.=") for x in (t, a, p))
    if t and (t, a) not in seen:
        seen.add((t, a))
        cut = lambda s, n: s.encode()[:n].decode(errors="ignore")
        print("%s\t%s\t%s" % (cut(t, most), cut(a, most), cut(p, 100)))
with open(sys.argv[1], encoding="utf-8") as f:
    for r in csv.DictReader(f):
        out(r["title"], r["authors"], r["manufacturer"])
def sub(line, code):
    m = re.search(r"\$%s (.*?)(?= \$[a-z0-9] |$)" % code, line)
    return m.group(1) if m else ""
t = a = p = ""
with open(sys.argv[2], encoding="utf-8", errors="replace") as f:
    for line in f:
        line = line.rstrip("\n")
        if not line.strip():
            if t:
                out(t, a, p)
            t = a = p = ""
        elif line.startswith("245 "):
            t = (sub(line, "a") + " " + sub(line, "b")).strip()
        elif line[:4] in ("100 ", "110 ") and not a:
            a = sub(line, "a")
        elif line[:4] in ("260 ", "264 ") and not p:
            p = sub(line, "b")
if t:
    out(t, a, p)
EOF
