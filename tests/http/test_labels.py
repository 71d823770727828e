"""test_labels.py: printing labels for a school's copies (GET /labels, a PDF of A4 label sheets,
and GET /labels/preview, the same sheets drawn in an HTML page).

The PDFs are read with poppler (pdftotext, pdfinfo, pdftoppm) and the barcodes decoded with
zbarimg: the accession numbers and the school's Vietnamese name come out of the text intact, the
Code 128 bars decode to the copies' barcodes, spine labels carry the call number, the grid
parameters give the pages they should. Bad parameters are 4xx with the error page (JSON or HTML,
as asked) and nothing written; readers are refused, other schools' records, batches and registers
are "not found" like missing ones, the school's leader may print.

Librarians acting: thuthu.th001 (TH001, "Trường Tiểu học Lê Ngọc Hân"), thuthu.thcs001 (THCS001),
thuthu.lc001 (LC001). The demo city has no books: each school's registers start at 1.
"""
import html
import os
import re
import shutil
import subprocess
import tempfile
import urllib.parse

import harness as h

srv = None
_clients = {}
_browsers = {}
fx = {}

SCHOOL = "Trường Tiểu học Lê Ngọc Hân"
CATALOG_TABLES = ["biblios", "items", "acquisitions", "accession_counters"]
LOGIN_TRACES = ("login.", "logout")


def setup_module():
    global srv
    srv = h.Server().start()
    c = client("thuthu.th001")
    # A record with a call number and three copies (its own batch).
    fx["ngu"] = created(c, "Hướng dẫn dạy học môn Ngữ văn", "SNV", authors="Phạm Thị Thu Hương",
                        class_number="807", call_number="8N3 H561", copies=3)
    # No call number: the spine shows the class number and the first author's family name.
    fx["ls"] = created(c, "Đại Việt sử ký toàn thư", "STK", authors="Ngô Sĩ Liên", class_number="959.7",
                       copies=2)
    # 25 copies, for the grid (one batch of their own).
    fx["many"] = created(c, "Toán 3 (tập một)", "SGK", authors="Đỗ Đức Thái", copies=25)
    # An empty batch of TH001.
    fx["empty_acq"] = h.expect_status(c.post("/acquisitions", {"source": "gift", "supplier": "Hội phụ huynh"}),
                                      201).json()["id"]
    # THCS001's record and batch (other school), and LC001's.
    for lib in ("thuthu.thcs001", "thuthu.lc001"):
        b = created(client(lib), "Sách riêng của trường %s" % lib, "SGK", authors="Vũ Bí Mật", copies=2)
        fx[lib] = b


def teardown_module():
    srv.stop()


# --- helpers -------------------------------------------------------------------------------------

def client(username):
    if username not in _clients:
        _clients[username] = h.logged_in(srv, username)
    return _clients[username]


def browser(username):
    if username not in _browsers:
        b = h.Client(srv, json=False)
        b.login_form(username)
        _browsers[username] = b
    return _browsers[username]


def created(c, title, doc_type, **fields):
    f = {"title": title, "doc_type": doc_type}
    f.update({k: str(v) for k, v in fields.items()})
    r = c.post("/catalog", f)
    h.expect_status(r, 201)
    return r.json()["biblio"]


def accessions(b):
    return [x["accession"] for x in b["copies"]]


def batch_of(b):
    acq = {x["acquisition_id"] for x in b["copies"]}
    assert len(acq) == 1, b["copies"]
    return acq.pop()


def snap():
    """units, accounts, audit (login traces aside) and the catalogue's tables, as srv.db_snapshot()."""
    return srv.db_snapshot(audit_ignore=LOGIN_TRACES, extra=CATALOG_TABLES)


class Pdf:
    """A PDF answer, read with poppler: its text (layout kept), page count and size."""

    def __init__(self, data):
        self.data = data
        self.dir = tempfile.mkdtemp(prefix="thuvien-labels-")
        self.path = os.path.join(self.dir, "labels.pdf")
        with open(self.path, "wb") as f:
            f.write(data)

    def run(self, *args):
        p = subprocess.run(list(args), capture_output=True, timeout=h.slow(60))
        assert p.returncode == 0, "%s: exit %d: %s" % (args[0], p.returncode, p.stderr.decode("utf-8", "replace"))
        return p.stdout.decode("utf-8", "replace")

    def text(self):
        return self.run("pdftotext", "-enc", "UTF-8", "-layout", self.path, "-")

    def info(self):
        out = self.run("pdfinfo", self.path)
        return dict((k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in out.splitlines()))

    def pages(self):
        return int(self.info()["Pages"])

    def barcodes(self, first=1, last=1):
        """The Code 128 symbols zbarimg finds on pages first..last rendered at 300 dpi."""
        prefix = os.path.join(self.dir, "page")
        self.run("pdftoppm", "-r", "300", "-gray", "-png", "-f", str(first), "-l", str(last), self.path, prefix)
        pngs = sorted(os.path.join(self.dir, n) for n in os.listdir(self.dir) if n.endswith(".png"))
        assert pngs, "pdftoppm made no image"
        p = subprocess.run(["zbarimg", "-q", "--raw", "-Sdisable", "-Scode128.enable"] + pngs,
                           capture_output=True, timeout=h.slow(60))
        # zbarimg exits 4 when it finds nothing: the caller's assertion says so better.
        return sorted(line for line in p.stdout.decode("utf-8", "replace").splitlines() if line)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def expect_pdf(r):
    """A 200 PDF answer, inline, whole; returns a Pdf (use with `with`)."""
    h.expect_status(r, 200)
    ct = r.header("Content-Type", "")
    assert ct.split(";")[0].strip() == "application/pdf", "Content-Type %r: %s" % (ct, h.describe(r))
    cd = r.header("Content-Disposition", "")
    assert cd.startswith("inline") and re.search(r'filename="labels-[a-z0-9-]+\.pdf"', cd), \
        "Content-Disposition %r" % cd
    assert r.body.startswith(b"%PDF-"), "not a PDF: %r" % r.body[:40]
    assert r.body.rstrip().endswith(b"%%EOF"), "the PDF is cut short: %r" % r.body[-40:]
    cl = r.header("Content-Length")
    assert cl is None or int(cl) == len(r.body), "Content-Length %s, body %d bytes" % (cl, len(r.body))
    return Pdf(r.body)


def labels(c, json=None, headers=None, **query):
    return c.get("/labels", json=json, headers=headers, query=query)


def preview(c, json=None, **query):
    return c.get("/labels/preview", json=json, query=query)


def squash(text):
    """pdftotext's text with runs of blanks made one space (labels sit side by side)."""
    return re.sub(r"[ \t]+", " ", text)


# --- the PDF -------------------------------------------------------------------------------------

def test_record_labels_pdf_has_each_copy_with_school_and_barcode():
    b = fx["ngu"]
    r = labels(client("thuthu.th001"), biblio=b["id"])
    with expect_pdf(r) as pdf:
        assert 'filename="labels-biblio-%d-barcode.pdf"' % b["id"] in r.header("Content-Disposition"), \
            r.header("Content-Disposition")
        text = pdf.text()
        for acc in accessions(b):
            assert text.count(acc) == 1, "%s shows %d times in:\n%s" % (acc, text.count(acc), text)
        # The school's name, diacritics intact (NFC), once per label; no other school.
        assert squash(text).count(SCHOOL) == 3, "school name %d times, expected 3:\n%s" % (
            squash(text).count(SCHOOL), text)
        assert "Văn Lang" not in text and "Ngôi Sao" not in text, text
        # The barcode text under the bars, and the bars themselves decode to the same.
        codes = [x["barcode"] for x in b["copies"]]
        for code in codes:
            assert re.search(r"(?<![\w-])%s(?!\w)" % code, text), "barcode text %s missing:\n%s" % (code, text)
        info = pdf.info()
        assert pdf.pages() == 1, info
        assert re.match(r"595\.\d* x 841\.\d* pts", info.get("Page size", "")), "not A4: %r" % info.get("Page size")
        found = pdf.barcodes()
        assert found == sorted(codes), "zbarimg decoded %r, expected %r" % (found, sorted(codes))


def test_spine_labels_show_the_call_number():
    c = client("thuthu.th001")
    b = fx["ngu"]
    with expect_pdf(labels(c, biblio=b["id"], kind="spine")) as pdf:
        text = squash(pdf.text())
        # "8N3 H561": one line each part, large; the accession number small under it.
        assert text.count("8N3") == 3 and text.count("H561") == 3, "call number not on 3 spines:\n%s" % text
        for acc in accessions(b):
            assert acc in text, "%s missing on the spine labels:\n%s" % (acc, text)
        assert SCHOOL not in text, "spine labels carry the school's name:\n%s" % text
        assert pdf.barcodes() == [], "spine labels have bars"
    # No call number typed: the one the catalogue's builder made, the class number and the first
    # three letters of the author's family name in upper case, counted in characters ("NGÔ" is 4
    # bytes).
    b = fx["ls"]
    r = labels(c, biblio=b["id"], kind="spine")
    assert 'filename="labels-biblio-%d-spine.pdf"' % b["id"] in r.header("Content-Disposition", ""), h.describe(r)
    with expect_pdf(r) as pdf:
        text = squash(pdf.text())
        assert text.count("959.7") == 2 and len(re.findall(r"(?<!\w)NGÔ(?!\w)", text)) == 2, \
            "expected '959.7 NGÔ' twice:\n%s" % text


def test_batch_labels_are_the_batchs_copies():
    c = client("thuthu.th001")
    b = fx["ls"]
    acq = batch_of(b)
    with expect_pdf(labels(c, batch=acq)) as pdf:
        text = pdf.text()
        got = sorted(set(re.findall(r"\b[A-Z]+-\d{6}\b", text)))
        assert got == sorted(accessions(b)), "batch %d labels %r, expected %r" % (acq, got, accessions(b))
    # An empty batch: one blank sheet, not an error.
    with expect_pdf(labels(c, batch=fx["empty_acq"])) as pdf:
        assert pdf.pages() == 1 and not pdf.text().strip(), "empty batch: %r" % pdf.text()[:200]


def test_register_range_labels():
    c = client("thuthu.th001")
    reg = fx["many"]["copies"][0]["register"]
    with expect_pdf(labels(c, register=reg, **{"from": 3, "to": 7})) as pdf:
        text = pdf.text()
        got = sorted(set(re.findall(r"\b%s-\d{6}\b" % reg, text)))
        assert got == ["%s-%06d" % (reg, n) for n in range(3, 8)], got
    # A range past the last copy prints the copies there are.
    with expect_pdf(labels(c, register=reg, **{"from": 24, "to": 4000})) as pdf:
        got = sorted(set(re.findall(r"\b%s-\d{6}\b" % reg, pdf.text())))
        assert got == ["%s-%06d" % (reg, n) for n in (24, 25)], got
    # The same range named with the school's own unit id.
    unit = srv.unit("TH001")["id"]
    with expect_pdf(labels(c, register=reg, unit=unit, **{"from": 1, "to": 2})) as pdf:
        text = pdf.text()
        assert "%s-000001" % reg in text and "%s-000002" % reg in text and "%s-000003" % reg not in text, text


def test_grid_parameters_set_the_pages():
    c = client("thuthu.th001")
    b = fx["many"]
    with expect_pdf(labels(c, biblio=b["id"], rows=8, cols=3)) as pdf:
        assert pdf.pages() == 2, "25 labels at 8 x 3: %d pages" % pdf.pages()
        text = pdf.text()
        assert all(text.count(a) == 1 for a in accessions(b)), text
    with expect_pdf(labels(c, biblio=b["id"])) as pdf:       # the default sheet is 8 x 3
        assert pdf.pages() == 2, "default grid: %d pages" % pdf.pages()
    with expect_pdf(labels(c, biblio=b["id"], rows=4, cols=2, margin_top="10", margin_left="7,5",
                           margin_right="7.5", margin_bottom=10, gap_h=5, gap_v="2.5")) as pdf:
        assert pdf.pages() == 4, "25 labels at 4 x 2: %d pages" % pdf.pages()
    with expect_pdf(labels(c, biblio=b["id"], rows=1, cols=1, kind="spine")) as pdf:
        assert pdf.pages() == 25, "one label a sheet: %d pages" % pdf.pages()
    with expect_pdf(labels(c, biblio=b["id"], rows=20, cols=10)) as pdf:
        assert pdf.pages() == 1


def test_bad_parameters_are_refused_and_nothing_written():
    c = client("thuthu.th001")
    br = browser("thuthu.th001")
    bid = fx["ngu"]["id"]
    reg = fx["ngu"]["copies"][0]["register"]
    cases = [
        ({"biblio": bid, "kind": "xyz"}, 400, "err.labels.kind"),
        ({"biblio": bid, "rows": "0"}, 400, "err.labels.grid"),
        ({"biblio": bid, "cols": "11"}, 400, "err.labels.grid"),
        ({"biblio": bid, "rows": "21"}, 400, "err.labels.grid"),
        ({"biblio": bid, "margin_top": "61"}, 400, "err.labels.grid"),
        ({"biblio": bid, "gap_h": "-1"}, 400, "err.labels.grid"),
        ({"biblio": bid, "margin_left": "nan"}, 400, "err.number"),
        ({"biblio": bid, "rows": "20", "cols": "10", "margin_left": "30", "margin_right": "30"}, 400,
         "err.labels.grid"),     # labels 15 mm wide
        ({"biblio": bid, "rows": "abc"}, 400, "err.number"),
        ({"biblio": bid, "rows": "8x"}, 400, "err.number"),
        ({"biblio": bid, "all": "2"}, 400, "err.number"),     # all=1 or nothing
        ({"biblio": bid, "all": "yes"}, 400, "err.number"),
        ({"biblio": "abc"}, 400, "err.number"),
        ({"biblio": "-3"}, 400, "err.number"),
        ({"register": reg, "from": "5", "to": "3"}, 400, "err.labels.range"),
        ({"register": reg, "from": "0", "to": "3"}, 400, "err.labels.range"),
        ({"register": reg}, 400, "err.labels.range"),
        ({}, 400, "err.labels.source"),
        ({"kind": "spine"}, 400, "err.labels.source"),
        ({"biblio": bid, "batch": batch_of(fx["ngu"])}, 400, "err.labels.source"),
        ({"biblio": bid, "register": reg, "from": 1, "to": 2}, 400, "err.labels.source"),
        ({"register": reg, "from": "1", "to": "9000"}, 413, "err.labels.toobig"),
        ({"register": reg, "from": "1", "to": "5001"}, 413, "err.labels.toobig"),
        ({"biblio": "999999"}, 404, "err.biblio.notfound"),
        ({"batch": "999999"}, 404, "err.acquisition.notfound"),
    ]
    before = snap()
    bad = []
    for query, status, code in cases:
        for path in ("/labels", "/labels/preview"):
            r = c.get(path, query=query)
            try:
                h.expect_error(r, status, code)
            except AssertionError as e:
                bad.append("%s %r (json): %s" % (path, query, e))
            r = br.get(path, query=query)
            ct = r.header("Content-Type", "")
            msg = h.vi(code)
            if r.status != status or not ct.startswith("text/html") or not h.in_html(msg, r.text) \
                    or r.body.startswith(b"%PDF"):
                bad.append("%s %r (html): expected %d with the error page saying %r, got %s"
                           % (path, query, status, msg, h.describe(r)[:200]))
    # What the error page echoes (the bad kind) is escaped.
    r = br.get("/labels?biblio=%d&kind=%%3Cscript%%3Ealert(1)%%3C/script%%3E" % bid)
    if r.status != 400 or "<script>alert(1)" in r.text:
        bad.append("kind=<script>: %s" % h.describe(r)[:200])
    # Exactly 5,000 is allowed (the copies there are).
    with expect_pdf(labels(c, register=reg, **{"from": 1, "to": 5000})) as pdf:
        assert "%s-000001" % reg in pdf.text()
    h.assert_unchanged(before, snap(), "refused label requests")
    assert not bad, "%d bad answers:\n  %s" % (len(bad), "\n  ".join(bad))
    h.assert_healthy(srv)


def test_out_of_range_numbers_are_refused_not_wrapped():
    """rows, cols, ids and the range are read as 64-bit numbers: 2^32 + 8 rows must be refused,
    not cut to an int and taken as 8."""
    c = client("thuthu.th001")
    bid = fx["ngu"]["id"]
    bad = []
    for query in ({"biblio": bid, "rows": str(2 ** 32 + 8)}, {"biblio": bid, "cols": str(2 ** 32 + 3)},
                  {"biblio": bid, "rows": str(2 ** 64 + 8)}, {"biblio": bid, "rows": "99999999999999999999"}):
        r = labels(c, **query)
        if r.status != 400:
            bad.append("GET /labels %r: %s" % (query, h.describe(r)[:80]))
    assert not bad, "numbers out of range accepted:\n  " + "\n  ".join(bad)


def test_json_accept_still_gets_the_pdf():
    """The PDF route answers a PDF whatever the Accept header says (the PDF is the resource; a
    script asking for JSON still gets it, and errors come as JSON to it)."""
    c = client("thuthu.th001")
    b = fx["ls"]
    for accept in ("application/json", "application/pdf", "*/*", None):
        r = labels(c, headers={"Accept": accept}, biblio=b["id"])
        with expect_pdf(r) as pdf:
            assert all(a in pdf.text() for a in accessions(b)), "Accept %r" % accept
    h.expect_error(labels(c, headers={"Accept": "application/json"}, biblio=b["id"], kind="xyz"), 400,
                   "err.labels.kind")


def test_roles_and_schools():
    b = fx["ngu"]
    # The school's leader may print its labels.
    with expect_pdf(labels(client("bgh.th001"), biblio=b["id"])) as pdf:
        assert all(a in pdf.text() for a in accessions(b))
    with expect_pdf(labels(client("bgh.th001"), register="SGK", **{"from": 1, "to": 2})) as pdf:
        assert "SGK-000002" in pdf.text()
    # A reader may not, not even for its own school, nor see the preview.
    r = client("bandoc.th001")
    for query in ({"biblio": b["id"]}, {"batch": batch_of(b)}, {"register": "SGK", "from": 1, "to": 2}):
        h.expect_error(labels(r, **query), 403, "err.forbidden")
        h.expect_error(preview(r, **query), 403, "err.forbidden")
        rb = browser("bandoc.th001").get("/labels", query=query)
        assert rb.status == 403 and rb.header("Content-Type", "").startswith("text/html"), h.describe(rb)
    # Not logged in: 401 for JSON, the login page for a browser.
    h.expect_error(labels(h.Client(srv), biblio=b["id"]), 401)
    rb = h.Client(srv, json=False).get("/labels?biblio=%d" % b["id"])
    assert rb.status in (302, 303) and "/login" in rb.header("Location", ""), h.describe(rb)
    # Another school's librarian: THCS001's record and batch are "not found", like missing ones;
    # and TH001's likewise for THCS001's librarian.
    th = client("thuthu.th001")
    theirs = fx["thuthu.thcs001"]
    thcs_unit = srv.unit("THCS001")["id"]
    for path in ("/labels", "/labels/preview"):
        pairs = [({"biblio": theirs["id"]}, {"biblio": 999999}),
                 ({"batch": batch_of(theirs)}, {"batch": 999999}),
                 ({"register": "SGK", "from": 1, "to": 2, "unit": thcs_unit},
                  {"register": "SGK", "from": 1, "to": 2, "unit": 999999})]
        for foreign, missing in pairs:
            a = h.expect_error(th.get(path, query=foreign), 404)
            m = h.expect_error(th.get(path, query=missing), 404)
            assert a == m, "%s: a foreign id answers unlike a missing one: %r vs %r" % (path, a, m)
            rb = browser("thuthu.th001").get(path, query=foreign)
            assert rb.status == 404 and "Văn Lang" not in rb.text and "SGK-000001" not in rb.text, h.describe(rb)
    for query in ({"biblio": b["id"]}, {"batch": batch_of(b)},
                  {"register": "SGK", "from": 1, "to": 2, "unit": srv.unit("TH001")["id"]}):
        h.expect_error(labels(client("thuthu.lc001"), **query), 404)
    # Their own register range without unit= is their own copies, not TH001's.
    with expect_pdf(labels(client("thuthu.thcs001"), register="SGK", **{"from": 1, "to": 50})) as pdf:
        text = squash(pdf.text())
        assert text.count("Trường THCS Văn Lang") == 2 and SCHOOL not in text, text
    # The district office over TH001 may print its labels (its subtree); the other may not.
    with expect_pdf(labels(client("phong1.admin"), biblio=b["id"])) as pdf:
        assert SCHOOL in squash(pdf.text())
    h.expect_error(labels(client("phong2.admin"), biblio=b["id"]), 404)


def test_preview_lists_the_labels_and_links_to_the_pdf():
    br = browser("thuthu.th001")
    b = fx["ngu"]
    r = br.get("/labels/preview?biblio=%d" % b["id"])
    h.expect_status(r, 200)
    assert r.header("Content-Type", "").startswith("text/html"), h.describe(r)
    page = r.text
    for acc in accessions(b):
        assert page.count(acc) == 1, "%s shows %d times on the preview" % (acc, page.count(acc))
    assert page.count(h.html_escape(SCHOOL)) + page.count(SCHOOL) >= 3, "school name missing on the preview"
    assert h.in_html(h.vi("labels.pdf"), page), "no link to the PDF"
    assert h.untranslated(page) == [] and not re.search(r">\s*labels\.[a-z_.]+\s*<", page), "raw i18n keys"
    hrefs = [html.unescape(x) for x in re.findall(r'<a href="(/labels\?[^"]*)"', page)]
    assert hrefs, "no link to /labels on the preview"
    assert all(urllib.parse.parse_qs(urllib.parse.urlparse(x).query).get("biblio") == [str(b["id"])]
               for x in hrefs), hrefs
    with expect_pdf(br.get(hrefs[0])) as pdf:
        assert all(a in pdf.text() for a in accessions(b))
    # The record's page links to the preview, barcode and spine.
    rec = br.get("/catalog/%d" % b["id"]).text
    assert 'href="/labels/preview?biblio=%d"' % b["id"] in rec, "the record page has no print button"
    assert 'href="/labels/preview?biblio=%d&amp;kind=spine"' % b["id"] in rec
    # The batch's page too.
    acq = batch_of(b)
    page = br.get("/acquisitions/%d" % acq).text
    assert 'href="/labels/preview?batch=%d"' % acq in page, "the batch page has no print button"
    # Spine preview with a grid of its own: the link keeps the parameters.
    r = br.get("/labels/preview?biblio=%d&kind=spine&rows=4&cols=2&margin_left=7%%2C5" % b["id"])
    h.expect_status(r, 200)
    assert "8N3" in r.text and "H561" in r.text, "the spine preview lacks the call number"
    href = html.unescape(re.search(r'<a href="(/labels\?[^"]*)"', r.text).group(1))
    q = urllib.parse.parse_qs(urllib.parse.urlparse(href).query)
    assert q.get("kind") == ["spine"] and q.get("rows") == ["4"] and q.get("cols") == ["2"] and \
        q.get("margin_left") == ["7,5"], href
    # 25 labels at 8 x 3: two sheets drawn.
    r = br.get("/labels/preview?batch=%d" % batch_of(fx["many"]))
    assert r.text.count('<figure class="label-sheet">') == 2, "expected two sheets"
    # JSON: the same facts.
    j = h.expect_status(preview(client("thuthu.th001"), biblio=b["id"]), 200).json()
    assert j["count"] == 3 and j["npages"] == 1 and j["per_page"] == 24, j
    assert sorted(cell["accession"] for p in j["pages"] for cell in p["cells"]) == sorted(accessions(b)), j
    assert j["pdf"] == "/labels?biblio=%d" % b["id"], j["pdf"]
    # An empty batch: says there is nothing to print.
    r = br.get("/labels/preview?batch=%d" % fx["empty_acq"])
    h.expect_status(r, 200)
    assert h.in_html(h.vi("labels.none"), r.text)


def test_registers_reconcile():
    """Last: what the registers rest on still holds after these scenarios (thuvien check)."""
    srv.check()
