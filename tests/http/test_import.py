"""test_import.py: importing catalogue files on the web (GET/POST /catalog/import, POST
/catalog/import/commit): a real MARC file previewed (50 read) and committed, every broken file of
marc-extra/bad previewed with its reasons and nothing written, CSV and XLSX book lists (the XLSX
written by libxlsxwriter, through build/tests/test_xlsx --write, and found afterwards by a query
without diacritics), broken workbooks refused, who may import,
tokens of another school, account or session, and the upload's transport: malformed multipart
(400), a body over max_upload (413) but over max_body accepted, multipart on other routes (415),
the CSRF token as a part, as a header, or missing (403).

Librarians acting: thuthu.th001 (TH001) and thuthu.thcs001 (THCS001); bgh.th001 (leader) and
bandoc.th001 (reader) may not import.
"""
import glob
import json as jsonlib
import os
import re
import subprocess
import tempfile
import time
import uuid

import harness as h

srv = None
DATA = os.path.join(h.ROOT, "..", "shared", "data", "marc-extra")
MRC = os.path.join(DATA, "bulk", "jorol-loc-50.mrc")
CATALOG_TABLES = ["biblios", "items", "acquisitions"]


def setup_module():
    global srv
    srv = h.Server().start()


def teardown_module():
    srv.stop()


# --- helpers -------------------------------------------------------------------------------------

multipart = h.multipart
upload = h.upload


def commit(c, token, json=None):
    return c.post("/catalog/import/commit", {"token": token}, json=json)


def count(table, code):
    return srv.sql_value("SELECT COUNT(*) FROM %s WHERE unit_id = %d" % (table, srv.unit(code)["id"]))


def rows():
    return {t: srv.sql_value("SELECT COUNT(*) FROM %s" % t) for t in CATALOG_TABLES}


def have_data():
    return os.path.exists(MRC)


def client(username):
    return h.logged_in(srv, username)


# --- MARC ----------------------------------------------------------------------------------------

def test_marc_file_preview_then_commit():
    if not have_data():
        return
    c = client("thuthu.th001")
    data = open(MRC, "rb").read()
    before = rows()
    r = h.expect_status(upload(c, data, copies=2, source="gift", doc_type="STK"), 200)
    p = r.json()
    assert p["read"] == 50 and p["valid"] == 50 and p["rejected"] == 0, p
    assert p["format"] == "iso2709" and p["kind"] == "marc", p
    assert p["to_import"] == 50 - p["duplicates"] and p["can_commit"] and re.fullmatch(r"[0-9a-f]{64}", p["token"]), p
    assert len(p["records"]) == 20 and p["records"][0]["title"], p["records"][:1]
    assert rows() == before, "the preview wrote to the catalogue"
    r = h.expect_status(commit(c, p["token"]), 200)
    d = r.json()
    assert d["imported"] == p["to_import"] and d["duplicates"] == p["duplicates"], d
    assert d["copies"] == 2 * d["imported"] or d["copies"] >= d["imported"], d
    acq = d["acquisition_id"]
    assert count("biblios", "TH001") >= d["imported"]
    assert srv.sql_value("SELECT COUNT(*) FROM items WHERE acquisition_id = %d" % acq) == d["copies"]
    assert srv.sql_value("SELECT source FROM acquisitions WHERE id = %d" % acq) == "gift"
    assert srv.sql_value("SELECT COUNT(*) FROM biblios WHERE marc IS NOT NULL AND unit_id = %d"
                         % srv.unit("TH001")["id"]) >= d["imported"]
    # The batch page answers; the token is spent.
    h.expect_status(c.get("/acquisitions/%d" % acq), 200)
    h.expect_error(commit(c, p["token"]), 404, "err.import.notfound")
    # The same file again: every record is a duplicate now, nothing to commit.
    p2 = h.expect_status(upload(c, data), 200).json()
    assert p2["duplicates"] == 50 and p2["to_import"] == 0 and not p2["can_commit"] and "token" not in p2, p2


def test_marc_file_in_the_browser():
    if not have_data():
        return
    b = h.Client(srv, json=False)
    b.login_form("thuthu.thcs001")
    page = h.expect_status(b.get("/catalog/import"), 200).text
    assert 'enctype="multipart/form-data"' in page and 'name="file"' in page and 'type="file"' in page
    assert h.untranslated(page) == [] if hasattr(h, "untranslated") else True
    cat = h.expect_status(b.get("/catalog"), 200).text
    assert 'href="/catalog/import"' in cat, "no link to the import from the catalogue"
    page = h.expect_status(upload(b, open(MRC, "rb").read(), json=False), 200).text
    assert '<td class="num" id="n-read">50</td>' in page, page[:2000]
    token = re.search(r'name="token" value="([0-9a-f]{64})"', page).group(1)
    done = h.expect_status(commit(b, token), 200).text
    assert re.search(r'href="/acquisitions/\d+"', done), done[:2000]
    assert h.in_html(h.vi("import.done_title"), done)


def test_broken_marc_files_show_reasons_and_write_nothing():
    files = sorted(glob.glob(os.path.join(DATA, "bad", "*")))
    if not files:
        return
    c = client("thuthu.th001")
    before = srv.db_snapshot(audit_ignore=("login.", "logout"))
    before_rows = rows()
    seen_reason = 0
    for path in files:
        r = upload(c, open(path, "rb").read(), filename=os.path.basename(path), kind="marc")
        if r.status != 200:
            # A file with no record at all is answered as a bad upload, with its reason.
            e = h.expect_error(r, 400)
            assert e["code"].startswith("err.marc."), (path, e)
            continue
        p = r.json()
        assert p["valid"] <= p["read"] and p["rejected"] == len(p["problems"]) + p.get("more_problems", 0), (path, p)
        assert p["rejected"] > 0 or p["read"] > 0, (path, p)
        for pr in p["problems"]:
            assert pr["reason"] and pr["reason"] != pr["key"] and pr["n"] >= 0, (path, pr)
            seen_reason += 1
    assert seen_reason >= 10, "the broken files showed only %d reasons" % seen_reason
    h.assert_unchanged(before, srv.db_snapshot(audit_ignore=("login.", "logout")), "previews of broken files")
    assert rows() == before_rows, "previews of broken files wrote to the catalogue"


def test_broken_file_page_lists_problems():
    path = os.path.join(DATA, "bad", "ruby-marc-three-records-second-bad.xml")
    if not os.path.exists(path):
        return
    b = h.Client(srv, json=False)
    b.login_form("thuthu.th001")
    page = h.expect_status(upload(b, open(path, "rb").read(), filename="x.xml", json=False), 200).text
    assert h.in_html(h.vi("import.problems"), page), page[:3000]
    assert h.in_html(h.vi("import.record"), page)


# --- CSV -----------------------------------------------------------------------------------------

CSV = ("Tên sách;Tác giả;NXB;Năm;ISBN;Giá tiền;SL\r\n"
       "Nhập khẩu từ tệp CSV một;Nguyễn Văn Nhập;Giáo dục;2021;;\"25.000 đ\";2\r\n"
       "\"Nhập khẩu, từ tệp CSV hai\";Trần Thị Tệp;Kim Đồng;2019;978-0-306-40615-7;30000;\r\n"
       "Giá hỏng;X;;2020;;12,5;1\r\n"
       "\r\n")


def test_csv_book_list():
    c = client("thuthu.th001")
    before = rows()
    p = h.expect_status(upload(c, CSV.encode(), filename="danh-muc.csv", copies=3), 200).json()
    assert p["kind"] == "csv" and p["read"] == 3 and p["valid"] == 2 and p["rejected"] == 1, p
    assert p["problems"][0]["n"] == 4 and p["problems"][0]["key"] == "err.booklist.price", p["problems"]
    assert p["problems"][0]["reason"] == h.vi("err.booklist.price")
    assert rows() == before
    d = h.expect_status(commit(c, p["token"]), 200).json()
    assert d["imported"] == 2 and d["copies"] == 5 and d["rejected"] == 1, d
    th = srv.unit("TH001")["id"]
    assert srv.sql_value("SELECT price FROM biblios WHERE unit_id = %d AND title = 'Nhập khẩu từ tệp CSV một'" % th) == 25000
    assert srv.sql_value("SELECT COUNT(*) FROM biblios WHERE unit_id = %d AND title = 'Nhập khẩu, từ tệp CSV hai' "
                         "AND isbn = '9780306406157'" % th) == 1


def test_csv_not_utf8_is_refused():
    c = client("thuthu.th001")
    before = rows()
    data = b"Ten sach,Tac gia\nOK,B\nC\xe0 ph\xea,A\n"   # Windows-1258 / Latin-1 bytes
    e = h.expect_error(upload(c, data, filename="cu.csv"), 400, "err.booklist.utf8")
    assert e["message"] == h.vi("err.booklist.utf8")
    b = h.Client(srv, json=False)
    b.login_form("thuthu.th001")
    r = upload(b, data, filename="cu.csv", json=False)
    assert r.status == 400 and h.in_html(h.vi("err.booklist.utf8"), r.text), h.describe(r)
    assert rows() == before


# --- XLSX ----------------------------------------------------------------------------------------

def xlsx_list():
    """The book list workbook that tests/unit/test_xlsx.c writes with libxlsxwriter: 'Tiếng Việt 1'
    (2 copies, 25.000 đ), 'Tiếng Việt 2' typed in NFD, 'Đạo đức 3' in rich text, a row whose price
    is 'abc' (line 6), dates, formulas with cached values, a blank row, a second sheet."""
    gen = os.path.join(os.path.dirname(h.BIN), "tests", "test_xlsx")
    path = os.path.join(tempfile.gettempdir(), "thuvien-list-%s.xlsx" % uuid.uuid4().hex)
    subprocess.run([gen, "--write", path], check=True)
    try:
        return open(path, "rb").read()
    finally:
        os.unlink(path)


def test_xlsx_book_list_preview_commit_search():
    c = client("thuthu.thcs001")
    data = xlsx_list()
    assert data[:4] == b"PK\x03\x04"
    before = rows()
    p = h.expect_status(upload(c, data, filename="danh-muc.xlsx", copies=1), 200).json()
    assert p["kind"] == "csv" and p["format"] == "xlsx", p
    assert p["read"] == 4 and p["valid"] == 3 and p["rejected"] == 1 and p["duplicates"] == 0, p
    assert p["problems"][0]["n"] == 6 and p["problems"][0]["key"] == "err.booklist.price", p["problems"]
    assert [r["title"] for r in p["records"]] == ["Tiếng Việt 1", "Tiếng Việt 2", "Đạo đức 3"], p["records"]
    assert rows() == before
    d = h.expect_status(commit(c, p["token"]), 200).json()
    assert d["imported"] == 3 and d["copies"] == 4 and d["rejected"] == 1, d
    # Found by queries typed without diacritics, each with its copies and their barcodes.
    for q, title, ncopies, price in (("tieng viet 1", "Tiếng Việt 1", 2, 25000),
                                     ("tieng viet 2", "Tiếng Việt 2", 1, 20000),
                                     ("dao duc", "Đạo đức 3", 1, 30000)):
        r = h.expect_status(c.get("/catalog?q=" + q.replace(" ", "+")), 200).json()
        hits = [b for b in r["hits"] if b["title"] == title]
        assert len(hits) == 1, (q, r)
        assert len(hits[0]["copies"]) == ncopies and all(i["barcode"] for i in hits[0]["copies"]), hits[0]
    thcs = srv.unit("THCS001")["id"]
    assert srv.sql_value("SELECT price FROM biblios WHERE unit_id = %d AND isbn = '9786040000019'" % thcs) == 20000
    # The same list again: all duplicates, nothing to import.
    p = h.expect_status(upload(c, data, filename="danh-muc.xlsx"), 200).json()
    assert p["duplicates"] == 3 and p["to_import"] == 0 and "token" not in p, p


def test_broken_xlsx_is_refused_and_writes_nothing():
    c = client("thuthu.thcs001")
    data = xlsx_list()
    before = rows()
    for bad, key in ((data[:len(data) // 2], "err.xlsx.zip"),
                     (b"PK\x03\x04 not a workbook", "err.xlsx.zip")):
        e = h.expect_error(upload(c, bad, filename="hong.xlsx"), 400, key)
        assert e["message"] == h.vi(key), e
    b = h.Client(srv, json=False)
    b.login_form("thuthu.thcs001")
    r = upload(b, data[:len(data) // 2], filename="hong.xlsx", json=False)
    assert r.status == 400 and h.in_html(h.vi("err.xlsx.zip"), r.text), h.describe(r)
    assert rows() == before


def test_marc_holdings_barcodes_and_notices():
    """952 $p barcodes become the copies' barcodes; one given twice is listed as a notice (record 2)
    in the preview and the report, and that copy gets the default barcode; nothing fails."""
    rec = ('<record><leader>00000nam a2200000 a 4500</leader>'
           '<datafield tag="245" ind1="0" ind2="0"><subfield code="a">%s</subfield></datafield>'
           '<datafield tag="952" ind1=" " ind2=" "><subfield code="p">%s</subfield>'
           '<subfield code="g">45.000</subfield></datafield></record>')
    xml = ('<?xml version="1.0" encoding="UTF-8"?><collection xmlns="http://www.loc.gov/MARC21/slim">' +
           rec % ("Lịch sử Koha một", "KOHA-HTTP-1") + rec % ("Lịch sử Koha hai", "KOHA-HTTP-1") +
           '</collection>').encode()
    c = client("thuthu.thcs001")
    p = h.expect_status(upload(c, xml, filename="koha.xml"), 200).json()
    assert p["valid"] == 2 and p["has_notices"], p
    assert [(n["n"], n["key"], n["detail"]) for n in p["notices"]] == \
        [(2, "err.import.barcode_taken", "KOHA-HTTP-1")], p["notices"]
    assert p["notices"][0]["reason"] == h.vi("err.import.barcode_taken")
    b = h.Client(srv, json=False)
    b.login_form("thuthu.thcs001")
    page = h.expect_status(upload(b, xml, filename="koha.xml", json=False), 200).text
    assert h.in_html(h.vi("import.notices"), page) and "KOHA-HTTP-1" in page
    d = h.expect_status(commit(c, p["token"]), 200).json()
    assert d["imported"] == 2 and d["copies"] == 2 and len(d["notices"]) == 1, d
    thcs = srv.unit("THCS001")["id"]
    assert srv.sql_value("SELECT COUNT(*) FROM items WHERE unit_id = %d AND barcode = 'KOHA-HTTP-1' "
                         "AND price = 45000" % thcs) == 1


def test_upload_over_max_body_under_max_upload():
    """A 1.5 MiB list (over max_body, 1 MiB) is accepted on the upload route."""
    c = client("thuthu.th001")
    pad = "x" * 1000
    lines = ["Tên sách,Ghi chú"] + ["Sách dài %d,%s" % (i, pad) for i in range(1500)]
    data = ("\n".join(lines) + "\n").encode()
    assert len(data) > (1 << 20)
    p = h.expect_status(upload(c, data, filename="dai.csv"), 200).json()
    assert p["read"] == 1500 and p["valid"] == 1500, {k: p[k] for k in ("read", "valid", "rejected")}


# --- who may, and whose token ----------------------------------------------------------------------

def test_leader_and_reader_may_not_import():
    for user in ("bgh.th001", "bandoc.th001"):
        c = client(user)
        h.expect_error(c.get("/catalog/import"), 403)
        h.expect_error(upload(c, CSV.encode(), filename="a.csv"), 403)
        h.expect_error(commit(c, "0" * 64), 403)


def test_token_of_another_school_account_or_session_is_404():
    c = client("thuthu.th001")
    p = h.expect_status(upload(c, CSV.replace("một", "ba").replace("hai", "bốn").encode(), filename="a.csv"), 200).json()
    token = p["token"]
    before = rows()
    other = client("thuthu.thcs001")
    a = h.expect_error(commit(other, token), 404, "err.import.notfound")
    b = h.expect_error(commit(other, "f" * 64), 404, "err.import.notfound")
    assert a == b, "a foreign token answers unlike an unknown one"
    # The same librarian in another login session.
    again = client("thuthu.th001")
    h.expect_error(commit(again, token), 404, "err.import.notfound")
    h.expect_error(commit(c, "../../etc/passwd"), 404, "err.import.notfound")
    assert rows() == before
    # The owner's commit still works after those attempts.
    d = h.expect_status(commit(c, token), 200).json()
    assert d["imported"] == p["to_import"] and d["imported"] >= 1, d


# --- transport ----------------------------------------------------------------------------------

def test_malformed_multipart_400():
    c = client("thuthu.th001")
    before = rows()
    bodies = [
        ("multipart/form-data; boundary=abc", b"--abc\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nTitle\r\n"),
        ("multipart/form-data; boundary=abc", b"garbage"),
        ("multipart/form-data", b"--abc--\r\n"),
        ("multipart/form-data; boundary=abc", b"--abc\r\nContent-Type: text/plain\r\n\r\nx\r\n--abc--\r\n"),
        ("multipart/form-data; boundary=abc", b"--abc\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\xff\xfe\r\n--abc--\r\n"),
    ]
    for ct, body in bodies:
        r = c.request("POST", "/catalog/import", body=body, content_type=ct, headers={"X-CSRF-Token": c.csrf})
        e = h.expect_error(r, 400)
        assert e["code"] in ("err.multipart", "err.utf8"), e
    assert rows() == before
    h.assert_healthy(srv, "malformed multipart")


def test_upload_over_max_upload_413():
    c = client("thuthu.th001")
    size = 20 * 1024 * 1024 + 1
    head = ("POST /catalog/import HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
            "Cookie: tv_session=%s\r\nX-CSRF-Token: %s\r\n"
            "Content-Type: multipart/form-data; boundary=abc\r\nContent-Length: %d\r\n\r\n"
            % (c.cookies["tv_session"], c.csrf, size)).encode()
    r = h.raw(srv, [head] + [b"a" * 65536] * 10, pause=0.02)
    assert r.status == 413, r
    assert jsonlib.loads(r.body.decode())["error"]["code"] == "err.body_too_big"
    h.assert_healthy(srv, "a 413 upload")


def test_multipart_elsewhere_415():
    c = client("thuthu.th001")
    before = rows()
    ct, body = multipart({"csrf": c.csrf, "title": "Không được", "doc_type": "STK"}, {})
    h.expect_error(c.request("POST", "/catalog", body=body, content_type=ct), 415, "err.content_type")
    ct, body = multipart({"csrf": c.csrf, "token": "0" * 64}, {})
    h.expect_error(c.request("POST", "/catalog/import/commit", body=body, content_type=ct), 415, "err.content_type")
    assert rows() == before


def test_csrf_part_header_or_403():
    c = client("thuthu.th001")
    data = "Tên sách\nKiểm tra CSRF\n".encode()
    h.expect_error(upload(c, data, filename="a.csv", csrf=False), 403, "err.csrf")
    h.expect_error(upload(c, data, filename="a.csv", csrf=False, headers={"X-CSRF-Token": "x" * 43}), 403, "err.csrf")
    h.expect_status(upload(c, data, filename="a.csv", csrf=False, headers={"X-CSRF-Token": c.csrf}), 200)
    h.expect_status(upload(c, data, filename="a.csv"), 200)


def test_form_errors():
    c = client("thuthu.th001")
    h.expect_error(upload(c, b"", filename=""), 400, "err.import.nofile")
    h.expect_error(upload(c, b"x", filename="a.csv", kind="pdf"), 400, "err.import.kind")
    h.expect_error(upload(c, b"x", filename="a.csv", copies="0"), 400, "err.items.count")
    h.expect_error(upload(c, b"x", filename="a.csv", source="stolen"), 400, "err.acquisition.source")
    h.expect_error(upload(c, b"x", filename="a.csv", doc_type="NOPE"), 400, "err.biblio.doc_type")


# --- a long import: a background job with its progress page -------------------------------------------

BIG = os.path.join(DATA, "bulk", "solrmarc-uva_001_2000.mrc")


def wait_job(c, where, timeout=120):
    """Poll a job's page (JSON) until it is no longer running; every answer on the way is
    consistent (done <= total, a percentage)."""
    deadline = time.time() + h.slow(timeout)
    seen_running = False
    while True:
        r = c.get(where)
        if r.status != 200 or r.json().get("state") != "running":
            return r, seen_running
        j = r.json()
        seen_running = True
        assert 0 <= j["done"] <= j["total"] or j["total"] == 0, j
        assert 0 <= j["percent"] <= 100, j
        assert time.time() < deadline, "the import job still runs after %d s: %r" % (timeout, j)
        time.sleep(0.05)


def test_large_import_runs_as_a_job_with_progress():
    """A file over import_async_bytes (256 KiB) is committed by a background job: 202 and the job's
    address for a program, 303 to it for a browser; the job's page gives the progress, then the
    same report as a small file's; only its owner sees it."""
    c = client("thuthu.thcs001")
    data = open(BIG, "rb").read()
    assert len(data) > 256 * 1024
    p = h.expect_status(upload(c, data, copies=1, doc_type="STK"), 200).json()
    assert p["read"] == 2000 and p["to_import"] > 1000, {k: p[k] for k in ("read", "valid", "to_import")}
    before = count("biblios", "THCS001")
    r = h.expect_status(commit(c, p["token"]), 202)
    job = r.json()
    assert re.fullmatch(r"/jobs/\d+", job["location"]) and job["location"] == "/jobs/%d" % job["job"], job
    # Nobody else sees the job: another school's librarian, a reader of the same school, its leader.
    for other in ("thuthu.th001", "bandoc.thcs001", "bgh.thcs001"):
        h.expect_error(client(other).get(job["location"]), 404, "err.jobs.notfound")
    # A browser's page while it runs reloads itself.
    b = h.Client(srv, json=False)
    b.login_form("thuthu.thcs001")
    r, _ = wait_job(c, job["location"])
    d = h.expect_status(r, 200).json()
    assert d["state"] == "done" and d["percent"] == 100, d
    res = d["result"]
    assert res["imported"] == p["to_import"] and res["duplicates"] == p["duplicates"], res
    assert count("biblios", "THCS001") == before + res["imported"]
    assert srv.sql_value("SELECT COUNT(*) FROM items WHERE acquisition_id = %d" % res["acquisition_id"]) \
        == res["copies"]
    # The owner's browser gets the report itself; the token is spent.
    page = h.expect_status(b.get(job["location"]), 200)
    assert h.in_html(h.vi("import.done_title"), page.text), page.text[:1500]
    assert not page.header("Refresh"), "a finished job's page still reloads itself"
    h.expect_error(commit(c, p["token"]), 404, "err.import.notfound")
    # Unknown jobs.
    for where in ("/jobs/1", "/jobs/999999999999", "/jobs/0"):
        h.expect_error(c.get(where), 404)
    anon = h.Client(srv)
    h.expect_status(anon.get(job["location"]), 401, 303)


def test_large_import_in_the_browser_shows_progress_page():
    """The browser's commit of a large file is a 303 to the job's page; that page, while the job
    runs, carries a progress bar and a Refresh header, and once done is the report."""
    b = h.Client(srv, json=False)
    b.login_form("thuthu.lc001")
    page = h.expect_status(upload(b, open(BIG, "rb").read(), json=False), 200).text
    token = re.search(r'name="token" value="([0-9a-f]{64})"', page).group(1)
    r = b.post("/catalog/import/commit", {"token": token})
    h.expect_status(r, 303)
    where = r.header("Location")
    assert re.fullmatch(r"/jobs/\d+", where or ""), where
    first = h.expect_status(b.get(where), 200)
    if "<progress" in first.text:
        assert first.header("Refresh") == "1", "a running job's page does not reload itself"
        assert h.in_html(h.vi("jobs.kind.import"), first.text)
    c = h.logged_in(srv, "thuthu.lc001")
    r, _ = wait_job(c, where)
    assert r.json()["state"] == "done", r.json()
    done = h.expect_status(b.get(where), 200).text
    assert re.search(r'href="/acquisitions/\d+"', done), done[:2000]


def test_registers_reconcile():
    """Last: what the registers rest on still holds after these scenarios (thuvien check)."""
    srv.check()
