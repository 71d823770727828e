"""test_overdue.py: overdue lists by class (GET /circ/overdue, .xlsx, notices.pdf), lost, damaged
and found copies with their charges (POST /circ/lost, /circ/damaged, /circ/found, GET
/circ/charges, POST /circ/charges/:id/settle), and in-library use (GET/POST /circ/inlibrary, GET
/circ/inlibrary/month and its .xlsx), over real HTTP on a real server.

The lending desk is another module's work: readers and loans are written here straight into the
database (sql_write), as the desk would leave them. Copies come from the catalogue's own POST
/catalog. Workbooks are opened with zipfile and their XML read; the notices PDF with pdftotext.
Every refusal is checked to change nothing (a snapshot of the circulation tables), and another
school's librarian sees none of TH001's data.
"""
import io
import re
import subprocess
import zipfile

import harness as h

srv = None
fx = {}

SCHOOL = "Trường Tiểu học Lê Ngọc Hân"
CIRC_TABLES = ["loans", "charges", "items", "library_uses", "audit"]


def untranslated(body):
    """i18n keys shown as such: the harness's prefixes, and this module's own (circ.*)."""
    text = re.sub(r"<code>.*?</code>", " ", body, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text)
    return h.untranslated(body) + re.findall(r"(?<![\w/.-])circ\.[a-z0-9_]+(?:\.[a-z0-9_]+)*", text)


def client(user, json=True):
    return srv.client(user, json)


def sql_write(*statements):
    """Run writes on the server's database (the harness's sql() is read-only)."""
    for st in statements:
        h.sql_write(srv, st)

def today():
    """Today in Vietnam as a day number and as yyyy-mm-dd (the server computes the same)."""
    import datetime
    d = (datetime.datetime.utcnow() + datetime.timedelta(hours=7)).date()
    return d


def day(offset):
    import datetime
    return (today() + datetime.timedelta(days=offset)).isoformat()


def vn(iso):
    y, m, d = iso.split("-")
    return "%s/%s/%s" % (d, m, y)


def copy(c, title, doc_type="TN", price=None):
    f = {"title": title, "doc_type": doc_type, "copies": "1"}
    if price is not None:
        f["price"] = str(price)
    b = h.expect_status(c.post("/catalog", f), 201).json()["biblio"]
    return b["copies"][0]


def patron(unit, code, name, kind="student", cls=""):
    sql_write("INSERT INTO patrons (unit_id, code, full_name, name_fold, kind, class_name, created_at, updated_at) "
              "VALUES (%d, %s, %s, %s, %s, %s, 0, 0)" % (unit, h.sql_str(code), h.sql_str(name),
                                                       h.sql_str(name.lower()), h.sql_str(kind), h.sql_str(cls)))
    return srv.sql_value("SELECT id FROM patrons WHERE unit_id = %d AND code = %s" % (unit, h.sql_str(code)))


def lend(item, pat, out_offset, due_offset):
    sql_write("INSERT INTO loans (unit_id, item_id, biblio_id, patron_id, patron_kind, class_name, doc_type, out_at, "
              "out_day, due) SELECT i.unit_id, i.id, i.biblio_id, p.id, p.kind, p.class_name, b.doc_type, 0, %s, %s "
              "FROM items i JOIN biblios b ON b.id = i.biblio_id, patrons p WHERE i.id = %d AND p.id = %d"
              % (h.sql_str(day(out_offset)), h.sql_str(day(due_offset)), item, pat),
              "UPDATE items SET status = 'on_loan' WHERE id = %d" % item)


def setup_module():
    global srv
    srv = h.Server().start()
    th1 = srv.unit("TH001")["id"]
    thcs = srv.unit("THCS001")["id"]
    fx["th1"], fx["thcs"] = th1, thcs
    lib = client("thuthu.th001")
    fx["c1"] = copy(lib, "Dế Mèn phiêu lưu ký", price=30000)
    fx["c2"] = copy(lib, "Toán 3", "SGK")
    fx["c3"] = copy(lib, "Truyện Kiều", "STK", price=45000)
    fx["c4"] = copy(lib, "Lịch sử 5", "SGK", price=12000)
    fx["c5"] = copy(lib, "Tôi thấy hoa vàng trên cỏ xanh", price=80000)
    fx["theirs"] = copy(client("thuthu.thcs001"), "Sách mật của Văn Lang", price=99000)
    fx["an"] = patron(th1, "HS0001", "Nguyễn Văn An", "student", "3A1")
    fx["binh"] = patron(th1, "HS0002", "Trần Thị Bình", "student", "3A1")
    fx["cuong"] = patron(th1, "HS0003", "Lê Văn Cường", "student", "12A1")
    patron(th1, "GV0001", "Cô Phạm Thu Hoa", "teacher", "3A1")
    fx["secret"] = patron(thcs, "HS0001", "Học Sinh Bí Mật", "student", "6A1")
    lend(fx["c1"]["id"], fx["an"], -30, -16)
    lend(fx["c2"]["id"], fx["an"], -20, -3)
    lend(fx["c3"]["id"], fx["binh"], -10, 4)      # not overdue
    lend(fx["c4"]["id"], fx["cuong"], -40, -26)
    lend(fx["theirs"]["id"], fx["secret"], -30, -16)


def teardown_module():
    srv.stop()


def snapshot():
    if h.BACKEND == "sqlite":
        rows = {t: srv.sql("SELECT * FROM %s" % t) for t in CIRC_TABLES}
    else:
        import json as jsonlib
        rows = {t: [] for t in CIRC_TABLES}
        union = " UNION ALL ".join("SELECT '%s' AS t, row_to_json(x)::text AS r FROM %s x" % (t, t) for t in CIRC_TABLES)
        for row in srv.sql(union):
            rows[row["t"]].append(jsonlib.loads(row["r"]))
    out = {}
    for t, rs in rows.items():
        if t == "audit":
            rs = [r for r in rs if not r["action"].startswith(("login.", "logout"))]
        out[t] = sorted((tuple(r.values()) for r in rs), key=repr)
    return out


def xlsx_rows(data):
    """The first sheet of a workbook as rows of cell texts (shared strings resolved, numbers as
    written), with the styles and sheet XML for format checks."""
    z = zipfile.ZipFile(io.BytesIO(data))
    names = z.namelist()
    assert "xl/workbook.xml" in names and "xl/worksheets/sheet1.xml" in names, names
    shared = []
    if "xl/sharedStrings.xml" in names:
        sx = z.read("xl/sharedStrings.xml").decode()
        shared = [re.sub(r"<[^>]+>", "", si) for si in re.findall(r"<si>(.*?)</si>", sx, re.S)]
    sheet = z.read("xl/worksheets/sheet1.xml").decode()
    rows = []
    for row in re.findall(r"<row [^>]*>(.*?)</row>", sheet, re.S):
        cells = []
        for attrs, body in re.findall(r"<c ([^>]*?)(?:/>|>(.*?)</c>)", row, re.S):
            v = re.search(r"<v>(.*?)</v>", body or "")
            v = v.group(1) if v else ""
            if 't="s"' in attrs:
                v = shared[int(v)]
            cells.append(v)
        rows.append(cells)
    return rows, z.read("xl/styles.xml").decode(), sheet


def pdf_text(data):
    p = subprocess.run(["pdftotext", "-enc", "UTF-8", "-layout", "-", "-"], input=data, capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return re.sub(r"[ \t]+", " ", p.stdout.decode())


def pdf_pages(data):
    p = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, timeout=60)
    return int(re.search(rb"Pages:\s+(\d+)", p.stdout).group(1))


# --- overdue lists -------------------------------------------------------------------------------

def test_overdue_list_groups_by_class_with_the_homeroom_teacher():
    j = h.expect_status(client("thuthu.th001").get("/circ/overdue"), 200).json()
    assert j["school"]["name"] == SCHOOL
    assert j["total"] == 3 and j["readers"] == 2, j
    assert [g["class_name"] for g in j["groups"]] == ["3A1", "12A1"], "natural class order: %r" % j["groups"]
    g = j["groups"][0]
    assert g["teacher"] == "Cô Phạm Thu Hoa"
    assert [r["barcode"] for r in g["rows"]] == [fx["c1"]["barcode"], fx["c2"]["barcode"]]
    r = g["rows"][0]
    assert r["patron_name"] == "Nguyễn Văn An" and r["days"] == 16 and r["due_vn"] == vn(day(-16))
    assert r["out_vn"] == vn(day(-30)) and r["title"] == "Dế Mèn phiêu lưu ký"
    assert j["groups"][1]["teacher"] == "" and j["groups"][1]["rows"][0]["days"] == 26
    names = [x["patron_name"] for gr in j["groups"] for x in gr["rows"]]
    assert "Trần Thị Bình" not in names and "Học Sinh Bí Mật" not in names


def test_overdue_filters():
    c = client("thuthu.th001")
    j = h.expect_status(c.get("/circ/overdue?class=12A1"), 200).json()
    assert j["total"] == 1 and j["groups"][0]["class_name"] == "12A1"
    j = h.expect_status(c.get("/circ/overdue?min_days=10"), 200).json()
    assert j["total"] == 2, j
    j = h.expect_status(c.get("/circ/overdue?kind=teacher"), 200).json()
    assert j["total"] == 0 and j["groups"] == []
    for bad, code in (("kind=alien", "err.circ.kind"), ("min_days=-1", "err.circ.min_days"),
                      ("min_days=abc", "err.number"), ("min_days=99999999999999999999", "err.number"),
                      ("unit=abc", "err.number"), ("class=" + "x" * 40, "err.circ.class")):
        h.expect_error(c.get("/circ/overdue?" + bad), 400, code)


def test_overdue_page_is_printable_html():
    c = client("thuthu.th001", json=False)
    r = h.expect_status(c.get("/circ/overdue"), 200)
    assert r.header("Content-Type").startswith("text/html")
    body = r.text
    assert h.in_html("Nguyễn Văn An", body) and h.in_html("Cô Phạm Thu Hoa", body)
    assert body.count('class="class-group"') == 2
    assert body.count('class="print-only"') == 2 and h.in_html(vn(day(0)), body)
    assert "/circ/overdue.xlsx" in body and "/circ/overdue/notices.pdf?class=3A1" in body
    assert not untranslated(body), untranslated(body)
    css = h.expect_status(c.get("/static/app.css"), 200).text
    assert "@media print" in css and ".class-group" in css


def test_overdue_xlsx_reads_back():
    c = client("thuthu.th001")
    r = h.expect_status(c.get("/circ/overdue.xlsx?min_days=1"), 200)
    assert r.header("Content-Type") == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in r.header("Content-Disposition") and ".xlsx" in r.header("Content-Disposition")
    rows, styles, sheet = xlsx_rows(r.body)
    assert rows[0] == ["Danh sách bạn đọc quá hạn trả sách"]
    assert SCHOOL in rows[1][0] and vn(day(0)) in rows[1][0]
    assert rows[2][0] == "Bạn đọc" and rows[2][-1] == "Số ngày quá hạn"
    assert "3A1" in rows[3][0] and "Cô Phạm Thu Hoa" in rows[3][0]
    assert rows[4][0] == "Nguyễn Văn An" and rows[4][4] == fx["c1"]["barcode"] and rows[4][8] == "16"
    # Dates are real dates (serial numbers in a dd/mm/yyyy format), the header row frozen.
    import datetime
    serial = (datetime.date.fromisoformat(day(-16)) - datetime.date(1899, 12, 30)).days
    assert float(rows[4][7]) == serial, rows[4]
    assert 'formatCode="dd/mm/yyyy"' in styles
    assert 'state="frozen"' in sheet and 'ySplit="3"' in sheet
    assert len(rows) == 3 + 2 + 3 + 1
    # A real reader sees the same cells, typed: the day a date, the days overdue a number.
    book = h.xlsx_read(r.body)
    typed = book[0]["rows"]
    assert typed[4][0] == "Nguyễn Văn An" and typed[4][7] == {"date": day(-16)} and typed[4][8] == 16, typed[4]
    # The same filters as the page.
    rows, _, _ = xlsx_rows(h.expect_status(c.get("/circ/overdue.xlsx?class=12A1"), 200).body)
    assert [x[0] for x in rows[4:-1]] == ["Lê Văn Cường"]


def test_reminder_notices_pdf():
    c = client("thuthu.th001")
    r = h.expect_status(c.get("/circ/overdue/notices.pdf"), 200)
    assert r.header("Content-Type") == "application/pdf" and r.body.startswith(b"%PDF")
    t = pdf_text(r.body)
    assert t.count("PHIẾU NHẮC TRẢ SÁCH") == 2, t
    for s in (SCHOOL, "Nguyễn Văn An", "Lê Văn Cường", "3A1", "Dế Mèn phiêu lưu ký", vn(day(-16)), "Trân trọng cảm ơn"):
        assert s in t, (s, t[:1500])
    assert "Trần Thị Bình" not in t and "Học Sinh Bí Mật" not in t
    assert pdf_pages(r.body) == 1
    t = pdf_text(h.expect_status(c.get("/circ/overdue/notices.pdf?class=12A1"), 200).body)
    assert "Lê Văn Cường" in t and "Nguyễn Văn An" not in t
    r = h.expect_status(c.get("/circ/overdue/notices.pdf?min_days=999"), 200)
    assert "Không có bạn đọc nào quá hạn" in pdf_text(r.body)


def test_overdue_scope():
    th1 = fx["th1"]
    h.expect_status(client("bgh.th001").get("/circ/overdue"), 200)
    h.expect_error(client("bandoc.th001").get("/circ/overdue"), 403)
    h.expect_error(client("bandoc.th001").get("/circ/overdue.xlsx"), 403)
    other = client("thuthu.thcs001")
    j = h.expect_status(other.get("/circ/overdue"), 200).json()
    assert [x["patron_name"] for g in j["groups"] for x in g["rows"]] == ["Học Sinh Bí Mật"]
    for path in ("/circ/overdue?unit=%d", "/circ/overdue.xlsx?unit=%d", "/circ/overdue/notices.pdf?unit=%d"):
        e = h.expect_error(other.get(path % th1), 404)
        assert e == h.expect_error(other.get(path % 999999), 404)
    # The office above names a school; another office cannot.
    j = h.expect_status(client("phong1.chuyenvien").get("/circ/overdue"), 200).json()
    assert j["choose_school"] is True
    assert sorted(x["code"] for x in j["schools"]) == ["TH001", "THCS001"], j
    assert h.json_find(j["schools"], code="TH001")["href"] == "/circ/overdue?unit=%d" % th1
    page = h.expect_status(client("phong1.chuyenvien", json=False).get("/circ/inlibrary"), 200).text
    assert "/circ/inlibrary?unit=%d" % th1 in page and not untranslated(page)
    j = h.expect_status(client("phong1.chuyenvien").get("/circ/overdue?unit=%d" % th1), 200).json()
    assert j["total"] == 3
    h.expect_error(client("phong2.chuyenvien").get("/circ/overdue?unit=%d" % th1), 404)


# --- losses and charges ----------------------------------------------------------------------------

def test_lost_copy_on_loan_closes_the_loan_and_charges_the_reader():
    c = client("thuthu.th001")
    bc = fx["c1"]["barcode"]
    j = h.expect_status(c.post("/circ/lost", {"barcode": bc, "note": "Em báo mất"}), 200).json()
    assert j["status"] == "lost" and j["amount"] == 30000 and j["patron_id"] == fx["an"]
    loan = srv.sql("SELECT * FROM loans WHERE id = %d" % j["loan_id"])[0]
    assert loan["outcome"] == "lost" and loan["returned_at"] is not None
    assert srv.sql_value("SELECT status FROM items WHERE id = %d" % fx["c1"]["id"]) == "lost"
    ch = srv.sql("SELECT * FROM charges WHERE id = %d" % j["charge_id"])[0]
    assert ch["kind"] == "lost" and ch["amount"] == 30000 and ch["settled"] is None
    assert srv.audit("action = 'circ.lost' AND entity_id = %d" % fx["c1"]["id"])
    # It no longer shows as overdue.
    j = h.expect_status(c.get("/circ/overdue"), 200).json()
    assert fx["c1"]["barcode"] not in [x["barcode"] for g in j["groups"] for x in g["rows"]]
    fx["charge_lost"] = ch["id"]


def test_damaged_on_return_with_amount_typed_with_separators():
    c = client("thuthu.th001", json=False)
    r = h.expect_status(c.post("/circ/damaged", {"barcode": fx["c3"]["barcode"], "amount": "15.000",
                                                  "note": "Rách bìa"}), 303)
    assert r.header("Location") == "/circ/charges?ok=damaged"
    page = h.expect_status(c.get("/circ/charges?ok=damaged"), 200).text
    assert h.in_html("Đã ghi nhận tài liệu bị hư hỏng.", page) and h.in_html("15.000 đ", page)
    ch = srv.sql("SELECT * FROM charges WHERE item_id = %d" % fx["c3"]["id"])[0]
    assert ch["kind"] == "damaged" and ch["amount"] == 15000 and ch["patron_id"] == fx["binh"]
    assert srv.sql_value("SELECT status FROM items WHERE id = %d" % fx["c3"]["id"]) == "damaged"
    assert not untranslated(page)


def test_found_again():
    c = client("thuthu.th001")
    bc = fx["c5"]["barcode"]
    j = h.expect_status(c.post("/circ/lost", {"barcode": bc}), 200).json()
    assert "charge_id" not in j and "loan_id" not in j     # not on loan: nobody to charge
    j = h.expect_status(c.post("/circ/found", {"barcode": bc}), 200).json()
    assert j["status"] == "available"
    h.expect_error(c.post("/circ/found", {"barcode": bc}), 409, "err.circ.not_lost")


def test_loss_refusals_change_nothing():
    c = client("thuthu.th001")
    before = snapshot()
    bc = fx["c2"]["barcode"]
    cases = [
        (c, "/circ/lost", {"barcode": bc, "amount": "-5"}, 400, "err.circ.amount"),
        (c, "/circ/lost", {"barcode": bc, "amount": "100000001"}, 400, "err.circ.amount"),
        (c, "/circ/lost", {"barcode": bc, "amount": "9" * 30}, 400, "err.circ.amount"),
        (c, "/circ/lost", {"barcode": bc, "amount": "mười nghìn"}, 400, "err.circ.amount"),
        (c, "/circ/lost", {"barcode": bc, "amount": "1.5"}, 400, "err.circ.amount"),
        (c, "/circ/lost", {"barcode": bc, "amount": "25.000,5"}, 400, "err.circ.amount"),
        (c, "/circ/lost", {"barcode": bc, "amount": "1234.567"}, 400, "err.circ.amount"),
        (c, "/circ/lost", {"barcode": bc, "amount": ".500"}, 400, "err.circ.amount"),
        (c, "/circ/lost", {"barcode": bc, "amount": "12.34.567"}, 400, "err.circ.amount"),
        (c, "/circ/lost", {"barcode": ""}, 400, "err.circ.barcode"),
        (c, "/circ/lost", {"barcode": bc, "note": "x" * 501}, 400, "err.circ.note"),
        (c, "/circ/lost", {"barcode": "KHONG-CO-MA-NAY"}, 404, "err.circ.item"),
        (c, "/circ/lost", {"barcode": fx["c1"]["barcode"]}, 409, "err.circ.item_state"),
        (c, "/circ/damaged", {"barcode": bc}, 400, "err.circ.amount"),
        (c, "/circ/damaged", {"barcode": fx["c3"]["barcode"], "amount": "1"}, 409, "err.circ.item_state"),
        (c, "/circ/found", {"barcode": bc}, 409, "err.circ.not_lost"),
        (client("bgh.th001"), "/circ/lost", {"barcode": bc}, 403, None),
        (client("bandoc.th001"), "/circ/lost", {"barcode": bc}, 403, None),
        (client("phong1.chuyenvien"), "/circ/damaged", {"barcode": bc, "amount": "1"}, 403, None),
        # Another school's librarian: TH001's barcode is not theirs.
        (client("thuthu.thcs001"), "/circ/lost", {"barcode": fx["c4"]["barcode"]}, 404, "err.circ.item"),
    ]
    for cl, path, f, status, code in cases:
        h.expect_error(cl.post(path, f), status, code)
    # Without the CSRF token: refused at the door.
    h.expect_status(c.post("/circ/lost", {"barcode": bc}, csrf=False), 403)
    h.assert_unchanged(before, snapshot(), "refused losses")
    # A browser sees the form again with the message and what was typed.
    b = client("thuthu.th001", json=False)
    r = h.expect_status(b.post("/circ/lost", {"barcode": bc, "amount": "-5"}), 400)
    assert h.in_html(h.vi("err.circ.amount"), r.text) and 'value="-5"' in r.text
    h.assert_unchanged(before, snapshot(), "refused losses")


def test_charges_list_and_settle_once():
    c = client("thuthu.th001")
    j = h.expect_status(c.get("/circ/charges"), 200).json()
    assert j["count"] == 2 and j["open_total"] == 45000 and j["can_write"] is True
    assert all(x["open"] for x in j["charges"])
    j = h.expect_status(c.get("/circ/charges?patron=HS0001"), 200).json()
    assert j["count"] == 1 and j["reader"]["name"] == "Nguyễn Văn An" and j["charges"][0]["amount_vn"] == "30.000 đ"
    h.expect_error(c.get("/circ/charges?patron=KHONGCO"), 404, "err.circ.patron")
    cid = fx["charge_lost"]
    before = snapshot()
    h.expect_error(c.post("/circ/charges/%d/settle" % cid, {"how": "stolen"}), 400, "err.circ.settle")
    h.expect_error(client("bgh.th001").post("/circ/charges/%d/settle" % cid, {"how": "paid"}), 403)
    e1 = h.expect_error(client("thuthu.thcs001").post("/circ/charges/%d/settle" % cid, {"how": "paid"}), 404)
    e2 = h.expect_error(client("thuthu.thcs001").post("/circ/charges/999999/settle", {"how": "paid"}), 404)
    assert e1 == e2
    h.assert_unchanged(before, snapshot(), "refused settles")
    j = h.expect_status(c.post("/circ/charges/%d/settle" % cid, {"how": "replaced", "note": "Đền cuốn mới"}), 200).json()
    assert j["settled"] == "replaced"
    h.expect_error(c.post("/circ/charges/%d/settle" % cid, {"how": "paid"}), 409, "err.circ.settled")
    row = srv.sql("SELECT * FROM charges WHERE id = %d" % cid)[0]
    assert row["settled"] == "replaced" and row["note"] == "Em báo mất · Đền cuốn mới"
    assert len(srv.audit("action = 'circ.settle' AND entity_id = %d" % cid)) == 1
    j = h.expect_status(c.get("/circ/charges"), 200).json()
    assert [x["open"] for x in j["charges"]] == [True, False], "unsettled first"
    assert j["open_total"] == 15000
    assert h.expect_status(c.get("/circ/charges?open=1"), 200).json()["count"] == 1
    # The browser's buttons.
    b = client("thuthu.th001", json=False)
    page = h.expect_status(b.get("/circ/charges"), 200).text
    assert 'action="/circ/charges/' in page and h.in_html("Đã đền bằng sách", page)
    other = j["charges"][0]["id"]
    r = h.expect_status(b.post("/circ/charges/%d/settle" % other, {"how": "waived"}), 303)
    assert r.header("Location") == "/circ/charges?ok=settled"
    # The other school and the reader see nothing of it.
    assert h.expect_status(client("thuthu.thcs001").get("/circ/charges"), 200).json()["count"] == 0
    h.expect_error(client("thuthu.thcs001").get("/circ/charges?unit=%d" % fx["th1"]), 404)
    h.expect_error(client("bandoc.th001").get("/circ/charges"), 403)
    j = h.expect_status(client("bgh.th001").get("/circ/charges"), 200).json()
    assert j["count"] == 2 and j["can_write"] is False


# --- in-library use --------------------------------------------------------------------------------

def test_inlibrary_counts():
    c = client("thuthu.th001")
    h.expect_status(c.post("/circ/inlibrary", {"patron": "HS0002"}), 201)
    h.expect_status(c.post("/circ/inlibrary", {"item": fx["c4"]["barcode"], "patron": "GV0001"}), 201)
    h.expect_status(c.post("/circ/inlibrary", {"kind": "student", "doc_type": "BAO", "count": "25"}), 201)
    h.expect_status(c.post("/circ/inlibrary", {"kind": "staff", "count": "2"}), 201)
    before = snapshot()
    for f, status, code in (({"patron": "KHONGCO"}, 404, "err.circ.patron"),
                            ({"item": "KHONGCO"}, 404, "err.circ.item"),
                            ({"patron": "HS0001", "count": "5"}, 400, "err.circ.count"),
                            ({"kind": "student", "count": "0"}, 400, "err.circ.count"),
                            ({"kind": "student", "count": "1001"}, 400, "err.circ.count"),
                            ({"kind": "student", "count": "-3"}, 400, "err.circ.count"),
                            ({"kind": "student", "count": "1e3"}, 400, "err.circ.count"),
                            ({"kind": "alien", "count": "1"}, 400, "err.circ.kind"),
                            ({"kind": "student", "doc_type": "XYZ", "count": "1"}, 400, "err.circ.doc_type")):
        h.expect_error(c.post("/circ/inlibrary", f), status, code)
    h.expect_error(client("thuthu.thcs001").post("/circ/inlibrary", {"patron": "GV0001"}), 404, "err.circ.patron")
    h.expect_error(client("bgh.th001").post("/circ/inlibrary", {"kind": "student", "count": "1"}), 403)
    h.assert_unchanged(before, snapshot(), "refused uses")
    j = h.expect_status(c.get("/circ/inlibrary"), 200).json()
    assert j["total"] == 29 and len(j["uses"]) == 4
    by = {k["code"]: k["count"] for k in j["by_kind"]}
    assert by == {"student": 26, "teacher": 1, "staff": 2, "unknown": 0}, by
    assert j["uses"][2]["title"] == "Lịch sử 5" and j["uses"][2]["patron_name"] == "Cô Phạm Thu Hoa"
    h.expect_error(c.get("/circ/inlibrary?day=2026-02-30"), 400, "err.date")
    assert h.expect_status(c.get("/circ/inlibrary?day=2020-01-01"), 200).json()["total"] == 0
    page = h.expect_status(client("thuthu.th001", json=False).get("/circ/inlibrary"), 200).text
    assert h.in_html("Lịch sử 5", page) and 'action="/circ/inlibrary"' in page and not untranslated(page)
    # The browser's form: a refusal shows the message, what was typed stays.
    b = client("thuthu.th001", json=False)
    r = h.expect_status(b.post("/circ/inlibrary", {"patron": "KHONGCO"}), 404)
    assert h.in_html(h.vi("err.circ.patron"), r.text) and 'value="KHONGCO"' in r.text
    h.expect_status(b.post("/circ/inlibrary", {"kind": "teacher", "count": "1"}), 303)


def test_inlibrary_month_and_xlsx():
    c = client("thuthu.th001")
    month = day(0)[:7]
    j = h.expect_status(c.get("/circ/inlibrary/month"), 200).json()
    assert j["month"] == month and j["total"] == 30
    d = int(day(0)[8:])
    row = j["days"][d - 1]
    assert row["student"] == 26 and row["teacher"] == 2 and row["total"] == 30
    types = {t["code"]: t["count"] for t in j["types"]}
    assert types["BAO"] == 25 and types["SGK"] == 1, types
    for bad in ("2026-13", "2026-1", "abcd-ef", "2026-11-01"):
        h.expect_error(c.get("/circ/inlibrary/month?month=" + bad), 400, "err.circ.month")
    r = h.expect_status(c.get("/circ/inlibrary/month.xlsx?month=" + month), 200)
    rows, styles, _ = xlsx_rows(r.body)
    assert rows[2][:5] == ["Ngày", "Học sinh", "Giáo viên", "Nhân viên", "Không rõ"]
    assert rows[2 + d][1] == "26" and rows[-1][0] == "Tổng cộng" and rows[-1][-1] == "30"
    z = zipfile.ZipFile(io.BytesIO(r.body))
    assert "xl/worksheets/sheet2.xml" in z.namelist()
    page = h.expect_status(client("bgh.th001", json=False).get("/circ/inlibrary/month"), 200).text
    assert not untranslated(page) and h.in_html("Học sinh", page)
    h.expect_error(client("thuthu.thcs001").get("/circ/inlibrary/month.xlsx?unit=%d" % fx["th1"]), 404)
    assert h.expect_status(client("thuthu.thcs001").get("/circ/inlibrary/month"), 200).json()["total"] == 0


def test_server_still_healthy():
    h.assert_healthy(srv)


def test_english_pages_and_downloads():
    c = h.Client(srv, json=False)
    c.login_form("bgh.th001")
    h.expect_status(c.post("/lang", {"lang": "en", "back": "/circ/overdue"}), 303)
    page = h.expect_status(c.get("/circ/overdue"), 200).text
    assert "Readers with overdue books" in page and not untranslated(page)
    for path in ("/circ/charges", "/circ/inlibrary", "/circ/inlibrary/month"):
        page = h.expect_status(c.get(path), 200).text
        assert not untranslated(page), (path, untranslated(page))
    rows, _, _ = xlsx_rows(h.expect_status(c.get("/circ/overdue.xlsx"), 200).body)
    assert rows[0] == ["Readers with overdue books"] and rows[2][0] == "Reader"
    t = pdf_text(h.expect_status(c.get("/circ/overdue/notices.pdf"), 200).body)
    assert "OVERDUE BOOK REMINDER" in t


def test_registers_reconcile():
    """Last: what the registers rest on still holds after these scenarios (thuvien check)."""
    srv.check()
