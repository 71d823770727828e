"""test_stocktake.py: stocktakes over real HTTP on a real server (src/stocktake/, pages_stocktake.c):
opening sessions and their scopes (overlap refused), scans with their results (found, on loan,
misplaced, unknown, another school's barcode unknown, junk refused) and their deduplication, eight
clients scanning at once leave exact counts, a file of barcodes with junk lines, closing (the
year's marks, a line of part III whose arithmetic holds), a scan after closing (409, nothing
written), partial sessions never marking outside their scope, cancelling, the reviewed step to
lost, the lists and their workbook, the biên bản (pdftotext), roles (readers 403, the leader
reads) and another school's librarian (404).

Copies come from the catalogue's own POST /catalog; loans, locations and class numbers are written
straight into the database (sql_write), as the desk and the edit form would leave them.
"""
import subprocess
import threading

import harness as h

srv = None
fx = {}
TABLES = ["stocktakes", "stocktake_scans", "stocktake_marks", "stock_balances", "items", "audit"]


def client(user, json=True):
    return srv.client(user, json)


def sql_write(*statements):
    for st in statements:
        h.sql_write(srv, st)


def copy(c, title, doc_type="TN", price=None):
    f = {"title": title, "doc_type": doc_type, "copies": "1"}
    if price is not None:
        f["price"] = str(price)
    b = h.expect_status(c.post("/catalog", f), 201).json()["biblio"]
    return b["copies"][0]


def snapshot():
    """The stocktake tables, the copies and the audit trail (logins aside), sorted."""
    out = {}
    for t in TABLES:
        rows = srv.sql("SELECT * FROM %s" % t)
        if t == "audit":
            rows = [r for r in rows if not r["action"].startswith(("login.", "logout"))]
        out[t] = sorted((tuple(r.values()) for r in rows), key=repr)
    return out


def setup_module():
    global srv
    srv = h.Server().start()
    fx["th1"] = srv.unit("TH001")["id"]
    lib = client("thuthu.th001")
    c = []
    for i in range(12):
        c.append(copy(lib, "Sách tham khảo %d" % i, "STK", price=10000 + i))
    for i in range(6):
        c.append(copy(lib, "Truyện thiếu nhi %d" % i, "TN", price=20000))
    fx["copies"] = c
    fx["stk"] = c[:12]
    fx["tn"] = c[12:]
    # Locations and class numbers: the TN copies stand in "Kho 2", class 800s; STK 500s.
    sql_write("UPDATE items SET location = 'Kho 2' WHERE id IN (%s)" % ",".join(str(x["id"]) for x in fx["tn"]),
              "UPDATE items SET location = 'Kho 1' WHERE id IN (%s)" % ",".join(str(x["id"]) for x in fx["stk"]),
              "UPDATE biblios SET class_number = '895.9223' WHERE id IN (SELECT biblio_id FROM items WHERE "
              "location = 'Kho 2')",
              "UPDATE biblios SET class_number = '510' WHERE id IN (SELECT biblio_id FROM items WHERE "
              "location = 'Kho 1')")
    # A reader and a loan of the last STK copy.
    sql_write("INSERT INTO patrons (unit_id, code, full_name, name_fold, kind, class_name, created_at, updated_at) "
              "VALUES (%d, 'HS9001', 'Nguyễn Văn Kiểm', 'nguyen van kiem', 'student', '3A1', 0, 0)" % fx["th1"])
    pat = srv.sql_value("SELECT id FROM patrons WHERE code = 'HS9001'")
    loaned = fx["stk"][-1]
    sql_write("INSERT INTO loans (unit_id, item_id, biblio_id, patron_id, patron_kind, class_name, doc_type, out_at, "
              "out_day, due) SELECT i.unit_id, i.id, i.biblio_id, %d, 'student', '3A1', 'STK', 0, '2026-01-01', "
              "'2026-01-15' FROM items i WHERE i.id = %d" % (pat, loaned["id"]),
              "UPDATE items SET status = 'on_loan' WHERE id = %d" % loaned["id"])
    fx["loaned"] = loaned
    fx["theirs"] = copy(client("thuthu.thcs001"), "Sách mật của trường khác", "STK", price=99000)
    # Another school's copy with a barcode of its own (default barcodes repeat across schools).
    sql_write("UPDATE items SET barcode = 'THCS-MAT-01' WHERE id = %d" % fx["theirs"]["id"])
    fx["theirs"]["barcode"] = "THCS-MAT-01"


def teardown_module():
    srv.stop()


def open_session(scope="all", note="", user="thuthu.th001", status=201):
    r = h.expect_status(client(user).post("/stocktakes", {"scope": scope, "note": note}), status)
    return r.json().get("id")


def scan(sid, *barcodes, user="thuthu.th001", status=200):
    r = client(user).post("/stocktakes/%d/scans" % sid, [("barcode", b) for b in barcodes])
    return h.expect_status(r, status).json()


def get(sid, user="thuthu.th001"):
    return h.expect_status(client(user).get("/stocktakes/%d" % sid), 200).json()


def test_roles_and_scope_errors():
    h.expect_status(client("bandoc.th001").get("/stocktakes"), 403)
    h.expect_status(client("bandoc.th001").post("/stocktakes", {"scope": "all"}), 403)
    h.expect_status(client("bgh.th001").post("/stocktakes", {"scope": "all"}), 403)
    h.expect_status(client("bgh.th001").get("/stocktakes"), 200)
    before = snapshot()
    for bad in ("register:", "class:600-500", "class:5 00-600", "location:", "shelf:1", "class:500"):
        r = client("thuthu.th001").post("/stocktakes", {"scope": bad})
        h.expect_status(r, 400)
        assert "Phạm vi kiểm kê không hợp lệ" in client("thuthu.th001", json=False).post(
            "/stocktakes", {"scope": bad}).text
    h.assert_unchanged(before, snapshot())


def test_whole_library_session():
    sid = open_session("all", "Kiểm kê cuối năm")
    fx["all"] = sid
    # Overlapping sessions are refused while it is open.
    before = snapshot()
    for sc in ("all", "register:STK", "location:Kho 1", "class:500-599"):
        r = client("thuthu.th001").post("/stocktakes", {"scope": sc})
        h.expect_status(r, 409)
        assert r.json()["error"]["code"] == "err.stocktake.overlap"
    h.assert_unchanged(before, snapshot())
    d = get(sid)
    assert d["status"] == "open" and d["scope"] == "all"
    assert d["expected"] == 18 and d["found"] == 0 and d["on_loan"] == 1 and d["missing"] == 17
    stk = fx["stk"]
    # A found copy (typed in lower case with spaces), the loaned one, another school's, junk.
    r = scan(sid, "  " + stk[0]["barcode"].lower() + " ", fx["loaned"]["barcode"], fx["theirs"]["barcode"],
             "KHONG-CO-123", "có dấu")
    res = {x["barcode"]: x for x in r["results"]}
    assert res[stk[0]["barcode"]]["result"] == "found"
    assert res[stk[0]["barcode"]]["title"] == "Sách tham khảo 0"
    assert res[fx["loaned"]["barcode"]]["result"] == "on_loan"
    theirs = res[fx["theirs"]["barcode"].upper()]
    assert theirs["result"] == "unknown" and theirs["item_id"] == 0 and theirs["title"] == ""
    assert "mật" not in str(r)
    assert res["KHONG-CO-123"]["result"] == "unknown"
    assert [x for x in r["results"] if x["result"] == "invalid"]
    assert r["counts"] == {"found": 1, "on_loan": 1, "misplaced": 0, "unknown": 2, "seen": 4}
    # Again: deduplicated, counted.
    r = scan(sid, stk[0]["barcode"])
    assert r["results"][0]["scans"] == 2 and r["results"][0]["repeat"] is True
    assert r["counts"]["seen"] == 4 and r["counts"]["found"] == 1
    d = get(sid)
    assert (d["expected"], d["found"], d["on_loan"], d["missing"], d["unknown"], d["seen"]) == (18, 1, 1, 16, 2, 4)
    regs = {x["register"]: x for x in d["by_register"]}
    assert regs["STK"] == {"register": "STK", "expected": 12, "present": 2, "missing": 10}
    assert regs["TN"]["expected"] == 6 and regs["TN"]["missing"] == 6
    # Only junk: 400, nothing written.
    before = snapshot()
    h.expect_status(client("thuthu.th001").post("/stocktakes/%d/scans" % sid, {"barcode": "   "}), 400)
    h.expect_status(client("thuthu.th001").post("/stocktakes/%d/scans" % sid,
                                                [("barcode", "X%d" % i) for i in range(501)]), 413)
    h.assert_unchanged(before, snapshot())


def test_concurrent_scanning_exact_counts():
    """Eight clients post at once: the same barcodes (all of them post the first STK copies) and
    their own; every barcode is counted once, every scan in `scans`."""
    sid = fx["all"]
    stk, tn = fx["stk"], fx["tn"]
    shared = [x["barcode"] for x in stk[1:6]]
    own = [[x["barcode"]] for x in tn[:4]] + [[stk[6]["barcode"]], [stk[7]["barcode"]], ["LA-%d" % i for i in range(3)],
                                              [stk[8]["barcode"]]]
    errors = []

    def worker(k):
        try:
            c = h.Client(srv)
            c.login("thuthu.th001")
            for rep in range(5):
                for b in shared + own[k]:
                    r = c.post("/stocktakes/%d/scans" % sid, {"barcode": b})
                    if r.status != 200:
                        errors.append((k, b, r.status, r.text[:200]))
            c.close()
        except Exception as e:  # noqa: BLE001
            errors.append((k, repr(e)))

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors, errors[:5]
    d = get(sid)
    # found: stk0 + 5 shared + tn0..3 + stk6, stk7, stk8 = 13; unknown: 2 + 3.
    assert (d["found"], d["on_loan"], d["unknown"], d["seen"]) == (13, 1, 5, 4 + 5 + 4 + 3 + 3)
    assert d["missing"] == 18 - 13 - 1
    scans = {r["barcode"]: r["scans"] for r in srv.sql("SELECT barcode, scans FROM stocktake_scans WHERE "
                                                        "stocktake_id = %d" % sid)}
    for b in shared:
        assert scans[b] == 40, (b, scans[b])
    assert scans[tn[0]["barcode"]] == 5 and scans["LA-0"] == 5


def test_upload_with_junk_lines():
    sid = fx["all"]
    tn = fx["tn"]
    data = ("\ufeffbarcode,title\r\n" + tn[4]["barcode"] + ",Truyện\r\n\r\n  \r\n\"" + tn[5]["barcode"].lower() +
            "\";x\r\n" + tn[4]["barcode"] + "\r\nmã có dấu cách\r\n" + "Z" * 60 + "\n").encode()
    r = h.upload(client("thuthu.th001"), data, filename="may-quet.csv", path="/stocktakes/%d/upload" % sid)
    j = h.expect_status(r, 200).json()
    assert j["lines"] == 6 and j["scanned"] == 3 and j["bad_count"] == 3
    assert [b["line"] for b in j["bad"]] == [1, 7, 8]
    assert j["found"] == 3 and j["repeats"] == 1
    # A browser sees the page with the report.
    r = h.upload(client("thuthu.th001", json=False), b"", filename="rong.txt", path="/stocktakes/%d/upload" % sid)
    h.expect_status(r, 400)
    assert "Chưa chọn tệp" in r.text
    big = b"A\n" * (1_000_001)
    r = h.upload(client("thuthu.th001"), big, filename="lon.txt", path="/stocktakes/%d/upload" % sid)
    h.expect_status(r, 413)
    d = get(sid)
    assert d["found"] == 15 and d["missing"] == 2


def test_no_js_form_and_page():
    sid = fx["all"]
    c = client("thuthu.th001", json=False)
    page = h.expect_status(c.get("/stocktakes/%d" % sid), 200).text
    assert 'id="scan-form"' in page and "/static/stocktake.js" in page and "Kiểm kê" in page
    assert not h.untranslated(page)
    r = h.expect_status(c.post("/stocktakes/%d/scans" % sid, {"barcode": fx["stk"][0]["barcode"]}), 200)
    assert "Có trên giá" in r.text and fx["stk"][0]["barcode"] in r.text
    # The leader reads the page but has no form; a scan is refused.
    page = h.expect_status(client("bgh.th001", json=False).get("/stocktakes/%d" % sid), 200).text
    assert 'id="scan-form"' not in page
    h.expect_status(client("bgh.th001").post("/stocktakes/%d/scans" % sid, {"barcode": "X1"}), 403)
    lst = h.expect_status(client("thuthu.th001").get("/stocktakes"), 200).json()
    assert [s["id"] for s in lst["stocktakes"]][0] == sid


def test_other_school_and_readers():
    sid = fx["all"]
    before = snapshot()
    other = client("thuthu.thcs001")
    for path in ("/stocktakes/%d" % sid, "/stocktakes/%d/items?result=found" % sid,
                 "/stocktakes/%d/report.pdf" % sid):
        r = other.get(path)
        h.expect_status(r, 404)
        assert "Sách tham khảo" not in r.text
    for path, f in (("scans", {"barcode": fx["stk"][0]["barcode"]}), ("close", {}), ("cancel", {}),
                    ("lose", {"item": str(fx["stk"][0]["id"])})):
        h.expect_status(other.post("/stocktakes/%d/%s" % (sid, path), f), 404)
    for path in ("/stocktakes/%d" % sid, "/stocktakes/%d/items" % sid):
        h.expect_status(client("bandoc.th001").get(path), 403)
    h.expect_status(client("bandoc.th001").post("/stocktakes/%d/scans" % sid, {"barcode": "X"}), 403)
    h.assert_unchanged(before, snapshot())


def test_close_marks_and_part_three():
    sid = fx["all"]
    missing = h.expect_status(client("thuthu.th001").get("/stocktakes/%d/items?result=missing" % sid), 200).json()
    assert missing["count"] == 2
    fx["missing"] = [x["item_id"] for x in missing["items"]]
    assert set(fx["missing"]) == {fx["stk"][9]["id"], fx["stk"][10]["id"]}
    r = client("thuthu.th001").post("/stocktakes/%d/close" % sid,
                                    {"members": "Cô Lan (thủ thư), Thầy Minh (phó hiệu trưởng)"})
    j = h.expect_status(r, 200).json()
    assert j["balance_diff"] == 0
    d = get(sid)
    assert d["status"] == "closed"
    assert (d["expected"], d["found"], d["on_loan"], d["missing"], d["misplaced"], d["unknown"]) == (18, 15, 1, 2, 0, 5)
    marks = srv.sql("SELECT item_id, mark, school_year FROM stocktake_marks WHERE stocktake_id = %d" % sid)
    assert len(marks) == 18
    assert sorted(m["item_id"] for m in marks if m["mark"] == "M") == sorted(fx["missing"])
    assert {m["school_year"] for m in marks} == {d["school_year"]}
    bal = srv.sql("SELECT * FROM stock_balances WHERE stocktake_id = %d" % sid)
    assert len(bal) == 1
    value = srv.sql_value("SELECT SUM(price) FROM items WHERE unit_id = %d" % fx["th1"])
    assert (bal[0]["in_copies"], bal[0]["out_copies"], bal[0]["on_hand_copies"]) == (18, 0, 18)
    assert bal[0]["in_value"] == value == bal[0]["on_hand_value"]
    # A scan after closing: 409, with the message, nothing written.
    before = snapshot()
    r = client("thuthu.th001").post("/stocktakes/%d/scans" % sid, {"barcode": fx["stk"][9]["barcode"]})
    h.expect_status(r, 409)
    assert "đã đóng" in r.json()["error"]["message"]
    r = h.upload(client("thuthu.th001"), b"A1\n", filename="a.txt", path="/stocktakes/%d/upload" % sid)
    h.expect_status(r, 409)
    h.expect_status(client("thuthu.th001").post("/stocktakes/%d/close" % sid, {}), 409)
    h.expect_status(client("thuthu.th001").post("/stocktakes/%d/cancel" % sid, {}), 409)
    h.assert_unchanged(before, snapshot())


def test_lists_and_workbook():
    sid = fx["all"]
    c = client("thuthu.th001")
    found = h.expect_status(c.get("/stocktakes/%d/items?result=found" % sid), 200).json()
    assert found["count"] == 15
    loan = h.expect_status(c.get("/stocktakes/%d/items?result=on_loan" % sid), 200).json()
    assert [x["item_id"] for x in loan["items"]] == [fx["loaned"]["id"]]
    unk = h.expect_status(c.get("/stocktakes/%d/items?result=unknown" % sid), 200).json()
    assert sorted(x["barcode"] for x in unk["items"]) == sorted(["KHONG-CO-123", fx["theirs"]["barcode"].upper(),
                                                                "LA-0", "LA-1", "LA-2"])
    h.expect_status(c.get("/stocktakes/%d/items?result=bogus" % sid), 400)
    r = h.expect_status(c.get("/stocktakes/%d/items?result=missing&format=xlsx" % sid), 200)
    sheets = h.xlsx_read(r.body)
    rows = sheets[0]["rows"]
    data = [row for row in rows if row and isinstance(row[0], int)]
    assert len(data) == 2
    db = {x["accession"]: x for x in srv.sql("SELECT accession, barcode, price FROM items WHERE id IN (%s)" %
                                             ",".join(str(i) for i in fx["missing"]))}
    for row in data:
        assert row[1] == "STK" and row[2] in db and row[3] == db[row[2]]["barcode"] and row[7] == db[row[2]]["price"]
    page = h.expect_status(client("thuthu.th001", json=False).get("/stocktakes/%d/items?result=missing" % sid), 200).text
    assert 'name="item"' in page and not h.untranslated(page)


def test_report_pdf():
    sid = fx["all"]
    r = h.expect_status(client("bgh.th001").get("/stocktakes/%d/report.pdf" % sid), 200)
    assert r.header("Content-Type").startswith("application/pdf")
    txt = subprocess.run(["pdftotext", "-layout", "-", "-"], input=r.body, capture_output=True, check=True).stdout.decode()
    for s in ("BIÊN BẢN KIỂM KÊ THƯ VIỆN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "toàn bộ thư viện",
              "Cô Lan (thủ thư)", "Sách tham khảo", "Sách thiếu nhi", "Tổng cộng", "HIỆU TRƯỞNG", "THỦ THƯ",
              "THÀNH VIÊN", "DANH SÁCH TÀI LIỆU THIẾU (2 bản)", "Sách tham khảo 9", "Sách tham khảo 10"):
        assert s in txt, (s, txt[:3000])
    pages = subprocess.run(["pdfinfo", "-"], input=r.body, capture_output=True, check=True).stdout.decode()
    assert "Pages:" in pages
    # An open session has no minutes yet.
    sid2 = open_session("register:SGK")
    h.expect_status(client("thuthu.th001").get("/stocktakes/%d/report.pdf" % sid2), 409)
    h.expect_status(client("thuthu.th001").post("/stocktakes/%d/cancel" % sid2, {}), 200)


def test_lose_reviewed_step():
    sid = fx["all"]
    c = client("thuthu.th001")
    m1, m2 = fx["missing"]
    before = snapshot()
    # A found copy, an unknown id, another school's copy: refused, nothing written.
    for bad in ([m1, fx["stk"][0]["id"]], [fx["theirs"]["id"]], [999999]):
        r = c.post("/stocktakes/%d/lose" % sid, [("item", str(i)) for i in bad])
        h.expect_status(r, 409)
    h.expect_status(c.post("/stocktakes/%d/lose" % sid, {}), 400)
    h.expect_status(client("bgh.th001").post("/stocktakes/%d/lose" % sid, {"item": str(m1)}), 403)
    h.assert_unchanged(before, snapshot())
    j = h.expect_status(c.post("/stocktakes/%d/lose" % sid, {"item": str(m1)}), 200).json()
    assert j["lost"] == 1
    assert srv.sql_value("SELECT status FROM items WHERE id = %d" % m1) == "lost"
    assert srv.sql_value("SELECT status FROM items WHERE id = %d" % m2) == "available"
    assert srv.sql("SELECT * FROM audit WHERE action = 'stocktake.lose'")
    h.expect_status(c.post("/stocktakes/%d/lose" % sid, {"item": str(m1)}), 409)   # already lost


def test_partial_sessions_never_mark_outside():
    c = client("thuthu.th001")
    year_marks = {m["item_id"]: (m["mark"], m["stocktake_id"]) for m in srv.sql("SELECT * FROM stocktake_marks")}
    # Two open sessions with disjoint scopes are allowed; an overlapping third is not.
    s_tn = open_session("location:kho 2")
    s_stk = open_session("location:Kho 1")
    h.expect_status(c.post("/stocktakes", {"scope": "location:KHO 1"}), 409)
    h.expect_status(c.post("/stocktakes", {"scope": "register:TN"}), 409)
    d = get(s_tn)
    assert d["expected"] == 6
    r = scan(s_tn, fx["tn"][0]["barcode"], fx["stk"][0]["barcode"], fx["stk"][9]["barcode"])
    assert [x["result"] for x in r["results"]] == ["found", "misplaced", "misplaced"]
    h.expect_status(c.post("/stocktakes/%d/close" % s_tn, {}), 200)
    d = get(s_tn)
    assert (d["expected"], d["found"], d["missing"], d["misplaced"]) == (6, 1, 5, 2)
    after = {m["item_id"]: (m["mark"], m["stocktake_id"]) for m in srv.sql("SELECT * FROM stocktake_marks")}
    tn_ids = {x["id"] for x in fx["tn"]}
    for item, mark in year_marks.items():
        if item in tn_ids:
            assert after[item][1] == s_tn
        else:
            assert after[item] == mark, item        # outside the scope: untouched
    assert not srv.sql("SELECT * FROM stock_balances WHERE stocktake_id = %d" % s_tn)
    # Cancel writes nothing but the status.
    h.expect_status(c.post("/stocktakes/%d/cancel" % s_stk, {}), 200)
    assert srv.sql_value("SELECT status FROM stocktakes WHERE id = %d" % s_stk) == "cancelled"
    assert not srv.sql("SELECT * FROM stocktake_marks WHERE stocktake_id = %d" % s_stk)
    # A class range.
    s_cls = open_session("class:500-599")
    d = get(s_cls)
    assert d["expected"] == 11      # the 12 STK copies but the lost one; the loaned one is expected
    h.expect_status(c.post("/stocktakes/%d/cancel" % s_cls, {}), 200)


def test_second_line_of_part_three():
    c = client("thuthu.th001")
    new = copy(c, "Sách mới nhập", "STK", price=50000)
    sid = open_session("all")
    scan(sid, new["barcode"])
    j = h.expect_status(c.post("/stocktakes/%d/close" % sid, {}), 200).json()
    assert j["balance_diff"] == 0
    lines = srv.sql("SELECT * FROM stock_balances WHERE unit_id = %d ORDER BY id" % fx["th1"])
    assert len(lines) == 2
    a, b = lines
    assert (b["in_copies"], b["in_value"], b["out_copies"]) == (1, 50000, 0)
    assert b["on_hand_copies"] == a["on_hand_copies"] + b["in_copies"] - b["out_copies"] == 19
    assert b["on_hand_value"] == a["on_hand_value"] + 50000


def test_long_missing_list_goes_to_an_annex():
    """More than 60 missing copies: the biên bản says "Xem danh sách kèm theo" instead of listing
    them, and the workbook holds every one."""
    c = client("thuthu.th001")
    b = h.expect_status(c.post("/catalog", {"title": "Bộ sách nhiều bản", "doc_type": "TN", "copies": "70",
                                            "price": "1000"}), 201).json()["biblio"]
    assert len(b["copies"]) == 70
    sid = open_session("register:TN")
    h.expect_status(c.post("/stocktakes/%d/close" % sid, {"conclusion": "Tiếp tục tìm các bản thiếu."}), 200)
    d = get(sid)
    assert d["missing"] >= 70
    r = h.expect_status(c.get("/stocktakes/%d/report.pdf" % sid), 200)
    txt = subprocess.run(["pdftotext", "-layout", "-", "-"], input=r.body, capture_output=True, check=True).stdout.decode()
    assert "Xem danh sách kèm theo" in txt and "Bộ sách nhiều bản" not in txt, txt[:2000]
    assert "Tiếp tục tìm các bản thiếu." in txt and "sổ đăng ký cá biệt TN" in txt
    r = h.expect_status(c.get("/stocktakes/%d/items?result=missing&format=xlsx" % sid), 200)
    rows = [row for row in h.xlsx_read(r.body)[0]["rows"] if row and isinstance(row[0], int)]
    assert len(rows) == d["missing"]


def test_part_three_out_is_the_approved_weeding():
    """A weeding batch approved by the principal between two whole-library stocktakes is the next
    line's "out" (copies and value), and the line reconciles."""
    import datetime
    c = client("thuthu.th001")
    first = open_session("all")
    h.expect_status(c.post("/stocktakes/%d/close" % first, {}), 200)
    prev = srv.sql("SELECT * FROM stock_balances WHERE stocktake_id = %d" % first)[0]
    gone = copy(c, "Sách rách cần thanh lọc", "STK", price=12000)
    w = h.expect_status(c.post("/withdrawals", {"title": "Thanh lọc sau kiểm kê"}), 201).json()["id"]
    h.expect_status(c.post("/withdrawals/%d/items" % w, {"barcode": gone["barcode"], "reason": "RACH"}), 200)
    h.expect_status(c.post("/withdrawals/%d/propose" % w, {}), 200)
    d = (datetime.datetime.utcnow() + datetime.timedelta(hours=7)).date()
    h.expect_status(client("bgh.th001").post("/withdrawals/%d/approve" % w, {
        "decision_no": "5/QĐ-TH", "decision_day": d.strftime("%d/%m/%Y")}), 200)
    assert srv.sql_value("SELECT status FROM items WHERE id = %d" % gone["id"]) == "withdrawn"
    second = open_session("all")
    assert get(second)["expected"] == get(first)["expected"]   # one in, one withdrawn
    j = h.expect_status(c.post("/stocktakes/%d/close" % second, {}), 200).json()
    assert j["balance_diff"] == 0
    line = srv.sql("SELECT * FROM stock_balances WHERE stocktake_id = %d" % second)[0]
    assert (line["in_copies"], line["in_value"], line["out_copies"], line["out_value"]) == (1, 12000, 1, 12000)
    assert line["on_hand_copies"] == prev["on_hand_copies"] and line["on_hand_value"] == prev["on_hand_value"]
    # The withdrawn copy is not expected, and scanning it says it is out of place.
    third = open_session("register:STK")
    r = scan(third, gone["barcode"])
    assert r["results"][0]["result"] == "misplaced"
    h.expect_status(c.post("/stocktakes/%d/cancel" % third, {}), 200)


def test_part_three_is_the_general_register():
    """A map (document type BD, register TB) is outside the general register: the next part III
    line counts the new STK copy only, as parts I and II do, the close finds no difference, and
    the session keeps where its line ended (its watermarks) for the next one."""
    c = client("thuthu.th001")
    prev = srv.sql("SELECT * FROM stock_balances WHERE unit_id = %d ORDER BY id DESC" % fx["th1"])[0]
    m = copy(c, "Bản đồ hành chính Việt Nam", "BD", price=30000)
    s = copy(c, "Sách tham khảo mới nhập", "STK", price=8000)
    sid = open_session("all")
    j = h.expect_status(client("thuthu.th001").post("/stocktakes/%d/close" % sid, {}), 200).json()
    assert j["balance_diff"] == 0
    line = srv.sql("SELECT * FROM stock_balances WHERE stocktake_id = %d" % sid)[0]
    assert (line["in_copies"], line["in_value"], line["out_copies"]) == (1, 8000, 0)
    assert line["on_hand_copies"] == prev["on_hand_copies"] + 1
    assert line["on_hand_value"] == prev["on_hand_value"] + 8000
    st = srv.sql("SELECT last_item_id, last_withdrawal_no FROM stocktakes WHERE id = %d" % sid)[0]
    assert st["last_item_id"] == max(m["id"], s["id"])
    assert st["last_withdrawal_no"] == srv.sql_value(
        "SELECT MAX(number) FROM withdrawals WHERE unit_id = %d AND status = 'approved'" % fx["th1"])


def test_registers_reconcile():
    """Last: what the registers rest on still holds after these scenarios (thuvien check)."""
    srv.check()
