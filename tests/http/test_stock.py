"""test_stock.py: the existing stock of the paper registers on the web (GET/POST /stock/opening,
POST /stock/opening/import and /commit, GET /stock/opening/template.xlsx): the page's registers
and next numbers, CSV and XLSX files previewed with their rows' errors (nothing written) and
committed all or nothing, the counters continuing the paper register (the next copy added
through /catalog follows the highest number imported), a second import with a used number
refused entirely, the form, the template read back by the import itself, a huge upload (413),
who may write, and another school's librarian seeing and committing none of it.

The XLSX files are written here with zipfile (a minimal SpreadsheetML workbook of inline
strings and numbers), so the test needs no Python package beyond the standard library.
"""
import io
import json as jsonlib
import re
import zipfile

import harness as h

srv = None
TABLES = ["biblios", "items", "acquisitions", "accession_counters", "audit"]


def setup_module():
    global srv
    srv = h.Server().start()


def teardown_module():
    srv.stop()


def client(username):
    return h.logged_in(srv, username)


def unit_id(code):
    return srv.unit(code)["id"]


def counter(code, reg):
    v = srv.sql("SELECT last FROM accession_counters WHERE unit_id = %d AND register = '%s'" % (unit_id(code), reg))
    return v[0]["last"] if v else 0


def rows(code):
    u = unit_id(code)
    return {t: srv.sql_value("SELECT COUNT(*) FROM %s WHERE unit_id = %d" % (t, u)) for t in TABLES}


def upload(c, data, filename="so-dkcb.csv", json=None, **fields):
    return h.upload(c, data, filename=filename, json=json, path="/stock/opening/import", **fields)


def commit(c, token, json=None):
    return c.post("/stock/opening/commit", {"token": token}, json=json)


HEADER = "Ngày vào sổ;Số ĐKCB;Tên sách – tác giả;Nơi XB;Nhà XB;Năm XB;Giá tiền;Số vào sổ tổng quát;Môn loại;Ghi chú\n"


def csv(lines):
    return ("\ufeff" + HEADER + "".join(l + "\n" for l in lines)).encode()


def col(n):
    s = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def xlsx(table):
    """A workbook whose first sheet holds table (rows of str or int cells)."""
    def esc(s):
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = []
    for i, row in enumerate(table):
        cells = []
        for j, v in enumerate(row):
            ref = "%s%d" % (col(j), i + 1)
            if isinstance(v, int):
                cells.append('<c r="%s"><v>%d</v></c>' % (ref, v))
            else:
                cells.append('<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, esc(v)))
        out.append('<row r="%d">%s</row>' % (i + 1, "".join(cells)))
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>%s'
             '</sheetData></worksheet>' % "".join(out))
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                   '</Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                   '</Relationships>')
        z.writestr("xl/workbook.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                   'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                   '<sheets><sheet name="So DKCB" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                   '</Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return b.getvalue()


def register_of(page, reg):
    for r in page["registers"]:
        if r["register"] == reg:
            return r
    raise AssertionError("no register %s in %r" % (reg, page["registers"]))


# --- the page --------------------------------------------------------------------------------------

def test_page_lists_registers_and_next_numbers():
    c = client("thuthu.th001")
    p = h.expect_status(c.get("/stock/opening"), 200).json()
    stk = register_of(p, "STK")
    assert stk["next"] == counter("TH001", "STK") + 1 and stk["numbering"] == "type", stk
    assert stk["copies"] == srv.sql_value("SELECT COUNT(*) FROM items WHERE unit_id = %d AND register = 'STK'"
                                          % unit_id("TH001")), stk
    assert register_of(p, "#TQ")["general"] is True and p["can_write"] is True
    b = h.logged_in(srv, "thuthu.th001", json=False)
    r = h.expect_status(b.get("/stock/opening"), 200)
    assert h.in_html(h.vi("stock.title"), r.text) and 'action="/stock/opening/import"' in r.text
    assert not h.untranslated(r.text), h.untranslated(r.text)
    # The leader reads, without the forms; a reader gets nothing.
    p = h.expect_status(client("bgh.th001").get("/stock/opening"), 200).json()
    assert p["can_write"] is False and register_of(p, "STK")["next"] == stk["next"]
    h.expect_error(client("bandoc.th001").get("/stock/opening"), 403)


# --- CSV -------------------------------------------------------------------------------------------

def test_csv_with_row_errors_previews_and_commits_nothing():
    c = client("thuthu.th001")
    base = counter("TH001", "STK") + 1000
    data = csv([
        "05/09/2015;%d-%d;Lão Hạc / Nam Cao;H.;Văn học;2005;25.000;901;8V;" % (base, base + 2),
        "05/09/2099;%d;Tương lai / Ai đó;H.;Văn học;2005;25.000;901;8V;" % (base + 3),
        "05/09/2015;%d;Giá sai;H.;Văn học;2005;hai mươi nghìn;901;8V;" % (base + 4),
        "05/09/2015;%d;;H.;Văn học;2005;25000;901;8V;" % (base + 5),
        "05/09/2015;%d;Trùng số;H.;Văn học;2005;25000;901;8V;" % (base + 1),
    ])
    b = h.logged_in(srv, "thuthu.th001", json=False)
    before = srv.db_snapshot()
    p = h.expect_status(upload(c, data), 200).json()
    assert p["rows"] == 5 and p["rejected"] == 4 and p["can_commit"] is False and "token" not in p, p
    got = {(x["line"], x["key"]) for x in p["problems"]}
    assert got == {(3, "err.stock.future"), (4, "err.stock.price"), (5, "err.stock.title"),
                   (6, "err.stock.number_twice")}, got
    assert all(x["reason"] and x["reason"] != x["key"] for x in p["problems"]), p["problems"]
    r = h.expect_status(upload(b, data, json=False), 200)
    assert h.in_html(h.vi("err.stock.future"), r.text) and h.in_html(h.vi("stock.problems_help"), r.text)
    assert "/stock/opening/commit" not in r.text
    h.assert_unchanged(before, srv.db_snapshot(), "a preview with row errors")


def test_good_csv_commits_and_the_next_copy_follows():
    c = client("thuthu.th001")
    top = counter("TH001", "STK")
    tq = counter("TH001", "#TQ")
    a, z = top + 50, top + 60
    data = csv([
        "26.XI.2007;%d-%d;Lão Hạc / Nam Cao;H.;Văn học;2005;25.000;%d;8V;" % (a, a + 4, tq + 20),
        "01/12/2007;%d;Lão Hạc / Nam Cao;H.;Văn học;2005;25.000;%d;8V;rách bìa" % (z, tq + 20),
        "02/01/2008;%d;\"Số đỏ; tiểu thuyết / Vũ Trọng Phụng\";H.;Văn học;2006;30000;%d;8V;" % (z - 2, tq + 21),
    ])
    before = rows("TH001")
    p = h.expect_status(upload(c, data), 200).json()
    assert p["rejected"] == 0 and p["copies"] == 7 and p["can_commit"] and re.fullmatch(r"[0-9a-f]{64}", p["token"]), p
    assert p["records_new"] == 2 and p["lines_new"] == 2 and p["value"] == 6 * 25000 + 30000, p
    assert rows("TH001") == before, "the preview wrote"
    d = h.expect_status(commit(c, p["token"]), 200).json()
    assert d["copies"] == 7 and d["ranges"][0]["register"] == "STK", d
    assert d["ranges"][0]["ranges"] == "%d-%d, %d, %d" % (a, a + 4, z - 2, z), d
    u = unit_id("TH001")
    assert counter("TH001", "STK") == z and counter("TH001", "#TQ") == tq + 21
    line = srv.sql("SELECT received, legacy, source FROM acquisitions WHERE unit_id = %d AND number = %d" % (u, tq + 20))
    assert line == [{"received": "2007-11-26", "legacy": 1, "source": "other"}], line
    item = srv.sql("SELECT entered, note, price, barcode, title_no FROM items WHERE unit_id = %d AND register = 'STK' "
                   "AND accession_no = %d" % (u, z))
    assert item == [{"entered": "2007-12-01", "note": "rách bìa", "price": 25000, "barcode": "STK%06d" % z,
                     "title_no": 6}], item
    assert srv.sql_value("SELECT COUNT(*) FROM audit WHERE action = 'stock.opening' AND unit_id = %d" % u) == 1
    # The staff search finds the new records (on SQLite they are indexed in one statement).
    r = h.expect_status(c.get("/catalog?q=" + "V%C5%A9%20Tr%E1%BB%8Dng%20Ph%E1%BB%A5ng"), 200)
    assert "Số đỏ; tiểu thuyết" in r.text, r.text[:300]
    # The token commits once.
    h.expect_error(commit(c, p["token"]), 404, "err.import.notfound")
    # The next copy added through the catalogue follows the highest number imported; gaps stay.
    bib = srv.sql_value("SELECT id FROM biblios WHERE unit_id = %d AND title = 'Lão Hạc'" % u)
    h.expect_status(c.post("/catalog/%d/copies" % bib, {"count": "1"}), 200, 303)
    got = srv.sql("SELECT accession_no, title_no FROM items WHERE biblio_id = %d ORDER BY id DESC LIMIT 1" % bib)
    assert got == [{"accession_no": z + 1, "title_no": 7}], got
    assert srv.sql_value("SELECT COUNT(*) FROM items WHERE unit_id = %d AND register = 'STK' AND accession_no "
                         "BETWEEN %d AND %d" % (u, a + 5, z - 3)) == 0
    # A second import with one used number is refused entirely, in the preview and at the commit.
    again = csv([
        "03/01/2008;%d;Chí Phèo / Nam Cao;H.;Văn học;2006;30000;%d;8V;" % (z + 100, tq + 22),
        "03/01/2008;%d;Chí Phèo / Nam Cao;H.;Văn học;2006;30000;%d;8V;" % (a + 2, tq + 22),
    ])
    p = h.expect_status(upload(c, again), 200).json()
    assert p["can_commit"] is False and [(x["line"], x["key"]) for x in p["problems"]] == [(3, "err.stock.number_used")], p


def test_commit_refuses_a_number_taken_since_the_preview():
    c = client("thuthu.th001")
    n = counter("TH001", "STK") + 10
    p = h.expect_status(upload(c, csv(["03/01/2008;%d;Vợ nhặt / Kim Lân;H.;Văn học;2006;30000;;8V;" % n])), 200).json()
    assert p["can_commit"], p
    # The same number entered by the form meanwhile.
    h.expect_status(c.post("/stock/opening", {"kind": "STK", "numbers": str(n), "entered": "03/01/2008",
                                              "title": "Vợ chồng A Phủ", "price": "1000"}), 200)
    before = srv.db_snapshot()
    e = h.expect_error(commit(c, p["token"]), 400, "err.stock.rows")
    assert [(x["line"], x["key"]) for x in e["problems"]] == [(2, "err.stock.number_used")], e
    h.assert_unchanged(before, srv.db_snapshot(), "a commit refused")


# --- XLSX ------------------------------------------------------------------------------------------

def test_xlsx_in_the_register_columns_commits():
    c = client("thuthu.th001")
    top = counter("TH001", "TN")
    table = [
        ["SỔ ĐĂNG KÝ CÁ BIỆT – SÁCH THIẾU NHI"],
        ["Ngày vào sổ", "Số ĐKCB", "Tên sách", "Tác giả", "Nơi XB", "Nhà XB", "Năm XB", "Giá tiền",
         "Số vào sổ tổng quát", "Môn loại", "Ghi chú", "Loại sách", "Mã vạch"],
        ["2010-09-05", top + 1, "Dế Mèn phiêu lưu ký", "Tô Hoài", "H.", "Kim Đồng", 2009, 42000, "", "8V", "", "TN",
         "DM-0001"],
        ["05/09/2010", "%d-%d" % (top + 2, top + 3), "Dế Mèn phiêu lưu ký", "Tô Hoài", "H.", "Kim Đồng", 2009, 42000,
         "", "8V", "", "TN", ""],
    ]
    data = xlsx(table)
    p = h.expect_status(upload(c, data, filename="so-tn.xlsx", kind="STK"), 200).json()
    assert p["format"] == "xlsx" and p["rejected"] == 0 and p["copies"] == 3 and p["records_new"] == 1, p
    d = h.expect_status(commit(c, p["token"]), 200).json()
    assert d["ranges"] == [{"register": "TN", "copies": 3, "lowest": top + 1, "highest": top + 3,
                            "ranges": "%d-%d" % (top + 1, top + 3)}], d
    u = unit_id("TH001")
    got = srv.sql("SELECT barcode, title_no FROM items WHERE unit_id = %d AND register = 'TN' AND accession_no > %d "
                  "ORDER BY accession_no" % (u, top))
    assert got == [{"barcode": "DM-0001", "title_no": 1}, {"barcode": "TN%06d" % (top + 2), "title_no": 2},
                   {"barcode": "TN%06d" % (top + 3), "title_no": 3}], got
    assert counter("TH001", "TN") == top + 3
    # A workbook missing the number column is refused as a whole.
    e = h.expect_error(upload(c, xlsx([["Tên sách", "Tác giả"], ["A", "B"]]), filename="x.xlsx"), 400,
                       "err.stock.columns")
    assert "ĐKCB" in e.get("detail", ""), e


def test_template_is_read_back_by_the_import():
    c = client("thuthu.th001")
    r = h.expect_status(c.get("/stock/opening/template.xlsx"), 200)
    assert r.header("Content-Type").startswith("application/vnd.openxmlformats"), r
    assert r.body[:4] == b"PK\x03\x04"
    p = h.expect_status(upload(c, r.body, filename="mau.xlsx"), 200).json()
    assert p["rows"] == 0 and p["can_commit"] is False and not p.get("has_ignored"), p
    h.expect_status(client("bgh.th001").get("/stock/opening/template.xlsx"), 200)
    h.expect_error(client("bandoc.th001").get("/stock/opening/template.xlsx"), 403)


# --- the form ------------------------------------------------------------------------------------------

def test_form_enters_one_title_and_refuses_bad_input():
    c = client("thuthu.th001")
    top = counter("TH001", "SNV")
    fields = {"kind": "SNV", "numbers": "%d-%d, %d" % (top + 3, top + 5, top + 9), "entered": "15/10/2012",
              "title": "Phương pháp dạy học Tiếng Việt", "authors": "Lê A", "publisher": "Giáo dục",
              "year": "2011", "price": "56.000 đ", "general": "", "source": "gift"}
    d = h.expect_status(c.post("/stock/opening", fields), 200).json()
    assert d["copies"] == 4 and d["records_new"] == 1 and d["lines_new"] == 1 and d["value"] == 4 * 56000, d
    assert counter("TH001", "SNV") == top + 9
    b = h.logged_in(srv, "thuthu.th001", json=False)
    leader = client("bgh.th001")
    before = srv.db_snapshot()
    for bad, key in (({"numbers": "12a"}, "err.stock.number"), ({"entered": "31/02/2012"}, "err.stock.date"),
                     ({"price": "abc"}, "err.stock.price"), ({"title": ""}, "err.stock.title"),
                     ({"numbers": str(top + 4)}, "err.stock.number_used"), ({"source": "lạ"}, "err.stock.source")):
        f = dict(fields, **bad)
        e = h.expect_error(c.post("/stock/opening", f), 400, "err.stock.rows")
        assert [x["key"] for x in e["problems"]] == [key], (bad, e)
    h.expect_error(c.post("/stock/opening", dict(fields, kind="XYZ")), 400, "err.stock.register")
    r = b.post("/stock/opening", dict(fields, price="abc"))
    assert r.status == 400 and h.in_html(h.vi("err.stock.price"), r.text), h.describe(r)
    assert 'value="Phương pháp dạy học Tiếng Việt"' in r.text  # the form keeps what was typed
    h.expect_error(leader.post("/stock/opening", fields), 403, "err.catalog.write")
    h.assert_unchanged(before, srv.db_snapshot(), "refused entries")


def test_five_thousand_rows_commit_in_seconds():
    """A school's whole paper register: 5,000 rows (1,000 titles of 5 copies, 250 intake lines)."""
    import time
    c = client("thuthu.thcs001")
    top, tq = counter("THCS001", "STK"), counter("THCS001", "#TQ")
    lines = []
    for i in range(5000):
        t = i // 5
        lines.append("%02d/%02d/20%02d;%d;Sách cũ số %d / Tác giả %d;H.;NXB %d;2001;%d;%d;%d;" % (
            1 + t % 28, 1 + t % 12, 5 + t % 10, top + 1 + i, t, t % 97, t % 13, 10000 + t, tq + 1 + t // 4, t % 10))
    data = csv(lines)
    t0 = time.monotonic()
    p = h.expect_status(upload(c, data), 200).json()
    preview = time.monotonic() - t0
    assert p["rejected"] == 0 and p["copies"] == 5000 and p["records_new"] == 1000 and p["lines_new"] == 250, p
    t0 = time.monotonic()
    d = h.expect_status(commit(c, p["token"]), 200).json()
    took = time.monotonic() - t0
    assert d["copies"] == 5000 and d["ranges"][0]["ranges"] == "%d-%d" % (top + 1, top + 5000), d
    assert counter("THCS001", "STK") == top + 5000 and counter("THCS001", "#TQ") == tq + 250
    print("# 5,000 rows (%s): preview %.2f s, commit %.2f s" % (h.BACKEND, preview, took))
    assert preview < h.slow(5) and took < h.slow(8), (preview, took)


# --- limits and tenants -----------------------------------------------------------------------------

def test_upload_over_max_upload_413():
    c = client("thuthu.th001")
    size = 20 * 1024 * 1024 + 1
    head = ("POST /stock/opening/import HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
            "Cookie: tv_session=%s\r\nX-CSRF-Token: %s\r\n"
            "Content-Type: multipart/form-data; boundary=abc\r\nContent-Length: %d\r\n\r\n"
            % (c.cookies["tv_session"], c.csrf, size)).encode()
    before = srv.db_snapshot()
    r = h.raw(srv, [head] + [b"a" * 65536] * 10, pause=0.02)
    assert r.status == 413, r
    assert jsonlib.loads(r.body.decode())["error"]["code"] == "err.body_too_big"
    h.assert_unchanged(before, srv.db_snapshot(), "a 413 upload")
    h.assert_healthy(srv, "a 413 upload")


def test_another_school_sees_and_commits_nothing():
    mine, other = client("thuthu.th001"), client("thuthu.thcs001")
    n = max(counter("TH001", "STK"), counter("THCS001", "STK")) + 500
    p = h.expect_status(upload(mine, csv(["03/01/2008;%d;Tắt đèn / Ngô Tất Tố;H.;Văn học;2006;30000;;8V;" % n])),
                        200).json()
    assert p["can_commit"], p
    before = srv.db_snapshot()
    h.expect_error(commit(other, p["token"]), 404, "err.import.notfound")
    h.assert_unchanged(before, srv.db_snapshot(), "another school's commit")
    # Its page is its own; the first school's through ?unit= is not found.
    q = h.expect_status(other.get("/stock/opening"), 200).json()
    assert register_of(q, "STK")["next"] == counter("THCS001", "STK") + 1
    h.expect_error(other.get("/stock/opening?unit=%d" % unit_id("TH001")), 404)
    # The same numbers in the other school are its own, free there.
    p2 = h.expect_status(upload(other, csv(["03/01/2008;%d;Tắt đèn / Ngô Tất Tố;H.;Văn học;2006;30000;;8V;" % n])),
                         200).json()
    assert p2["rejected"] == 0 and p2["records_new"] == 1, p2
    # The first school's token still commits, once, into the first school only.
    th, thcs = rows("TH001")["items"], rows("THCS001")["items"]
    h.expect_status(commit(mine, p["token"]), 200)
    assert rows("TH001")["items"] == th + 1 and rows("THCS001")["items"] == thcs
    # The city's inspector reads each school's registers, and writes none.
    so = client("so.chuyenvien")
    q = h.expect_status(so.get("/stock/opening?unit=%d" % unit_id("TH001")), 200).json()
    assert q["can_write"] is False and register_of(q, "STK")["next"] == counter("TH001", "STK") + 1
    h.expect_error(so.post("/stock/opening", {"numbers": "1", "entered": "01/01/2001", "title": "X"}), 403)


def test_registers_reconcile():
    """Last: what the registers rest on still holds after these scenarios (thuvien check)."""
    srv.check()
