"""test_registers.py: the registers (GET /registers, /registers/KIND, ?format=pdf|xlsx, POST
/registers/settings) over real HTTP on a real server.

The rows a register is read from (intake batches, copies, an approved withdrawal, a closed
stocktake, a periodical, loans, in-library uses) are written straight into the database here, as
the other modules leave them. The ĐKCB register's PDF is read back with pdftotext and pdfinfo,
its workbook with openpyxl cell by cell against the database (numbers are numbers, days are
dates); every register answers as a page, a PDF and a workbook; the scope holds (another school's
librarian gets 404, a reader 403, the office reads its schools); bad filters answer a Vietnamese
400 and change nothing; the numbering setting is the librarian's, audited.
"""
import datetime
import re
import subprocess

import harness as h

srv = None
fx = {}

KINDS = ["tongquat", "dkcb", "sgk", "baochi", "muon", "doctaicho"]


def client(user, json=True):
    return srv.client(user, json)


def w(statement):
    return h.sql_write(srv, statement)


def today():
    return (datetime.datetime.utcnow() + datetime.timedelta(hours=7)).date()


def school_year(d):
    y = d.year if d.month >= 8 else d.year - 1
    return "%d-%d" % (y, y + 1)


def vn(iso):
    y, m, d = iso.split("-")
    return "%s/%s/%s" % (d, m, y)


def pdf_text(data):
    p = subprocess.run(["pdftotext", "-enc", "UTF-8", "-layout", "-", "-"], input=data, capture_output=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    return re.sub(r"[ \t]+", " ", p.stdout.decode())


def pdf_pages(data):
    p = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, timeout=60)
    return int(re.search(rb"Pages:\s+(\d+)", p.stdout).group(1))


def raise_counters(unit):
    """The fixtures write rows by SQL; move the school's counters past them as the writers would
    (an accession number above its counter would be given again: thuvien check says so)."""
    up = (" ON CONFLICT (unit_id, register) DO UPDATE SET last = CASE WHEN excluded.last > "
          "accession_counters.last THEN excluded.last ELSE accession_counters.last END")
    w("INSERT INTO accession_counters (unit_id, register, last) SELECT unit_id, register, MAX(accession_no) "
      "FROM items WHERE unit_id = %d GROUP BY unit_id, register" % unit + up)
    w("INSERT INTO accession_counters (unit_id, register, last) SELECT unit_id, '#TQ', MAX(number) "
      "FROM acquisitions WHERE unit_id = %d GROUP BY unit_id" % unit + up)
    w("INSERT INTO accession_counters (unit_id, register, last) SELECT unit_id, '#XK', MAX(number) "
      "FROM withdrawals WHERE unit_id = %d AND number IS NOT NULL GROUP BY unit_id" % unit + up)


def setup_module():
    global srv
    srv = h.Server().start()
    th1 = srv.unit("TH001")["id"]
    fx["th1"] = th1
    d = today()
    fx["year"] = school_year(d)
    fx["day"] = d.isoformat()
    start = int(fx["year"][:4])
    fx["in_year"] = "%d-09-15" % start
    num = srv.sql_value("SELECT COALESCE(MAX(number), 0) FROM acquisitions WHERE unit_id = %d" % th1) + 1
    acc = srv.sql_value("SELECT COALESCE(MAX(accession_no), 0) FROM items WHERE unit_id = %d AND register = 'STK'"
                        % th1) + 1
    fx["num"], fx["acc"] = num, acc
    w("INSERT INTO biblios (unit_id, doc_type, title, authors, publisher, place, year, price, class_number, "
      "title_fold, created_at, updated_at) VALUES (%d, 'STK', 'Truyện Kiều chú giải', 'Nguyễn Du', 'Văn học', "
      "'Hà Nội', 2021, 68000, '895.9221', 'truyen kieu chu giai', 0, 0)" % th1)
    bib = srv.sql_value("SELECT MAX(id) FROM biblios WHERE unit_id = %d" % th1)
    w("INSERT INTO acquisitions (unit_id, number, received, source, doc_number, doc_date, created_at) VALUES "
      "(%d, %d, '%s', 'purchase', 'HĐ 77', '%s', 0)" % (th1, num, fx["in_year"], fx["in_year"]))
    acq = srv.sql_value("SELECT MAX(id) FROM acquisitions WHERE unit_id = %d" % th1)
    for k in range(3):
        n = acc + k
        w("INSERT INTO items (unit_id, biblio_id, acquisition_id, register, accession_no, accession, barcode, "
          "price, created_at, title_no) VALUES (%d, %d, %d, 'STK', %d, 'STK-%06d', 'REGT%06d', %d, 0, %d)"
          % (th1, bib, acq, n, n, n, 68000 + k, k + 1))
    # five textbooks of one printing in the same batch
    w("INSERT INTO biblios (unit_id, doc_type, title, subtitle, year, price, class_number, title_fold, created_at, "
      "updated_at) VALUES (%d, 'SGK', 'Tiếng Việt 3', 'Tập 1', 2022, 15000, '4(V)(075)', 'tieng viet 3', 0, 0)" % th1)
    sgk = srv.sql_value("SELECT MAX(id) FROM biblios WHERE unit_id = %d" % th1)
    sacc = srv.sql_value("SELECT COALESCE(MAX(accession_no), 0) FROM items WHERE unit_id = %d AND register = 'SGK'"
                         % th1) + 1
    fx["sgk_first"] = sacc
    for k in range(5):
        w("INSERT INTO items (unit_id, biblio_id, acquisition_id, register, accession_no, accession, barcode, "
          "price, created_at, title_no) VALUES (%d, %d, %d, 'SGK', %d, 'SGK-%06d', 'REGS%06d', 15000, 0, %d)"
          % (th1, sgk, acq, sacc + k, sacc + k, sacc + k, k + 1))
    fx["withdrawn"] = srv.sql_value("SELECT id FROM items WHERE unit_id = %d AND register = 'STK' AND "
                                    "accession_no = %d" % (th1, acc + 1))
    w("INSERT INTO withdrawals (unit_id, number, status, created_at, updated_at, decision_no, decision_day, "
      "approved_day) VALUES (%d, 1, 'approved', 0, 0, '12/QĐ-TH', '%s', '%s')" % (th1, fx["in_year"], fx["in_year"]))
    wd = srv.sql_value("SELECT MAX(id) FROM withdrawals WHERE unit_id = %d" % th1)
    w("INSERT INTO withdrawal_items (withdrawal_id, item_id, reason) VALUES (%d, %d, 'RACH')" % (wd, fx["withdrawn"]))
    w("UPDATE items SET status = 'withdrawn', withdrawal_id = %d WHERE id = %d" % (wd, fx["withdrawn"]))
    # a periodical, a loan, in-library uses, so every register has a line
    w("INSERT INTO periodicals (unit_id, title, title_fold, issn, frequency, created_at) VALUES "
      "(%d, 'Báo Nhi Đồng', 'bao nhi dong', '0866-7225', 'weekly', 0)" % th1)
    per = srv.sql_value("SELECT MAX(id) FROM periodicals")
    w("INSERT INTO subscriptions (unit_id, periodical_id, school_year, start_day, end_day, copies, supplier, price, "
      "created_at) VALUES (%d, %d, '%s', '%d-09-01', '%d-05-31', 2, 'Bưu điện', 420000, 0)"
      % (th1, per, fx["year"], start, start + 1))
    sub = srv.sql_value("SELECT MAX(id) FROM subscriptions")
    w("INSERT INTO serial_issues (unit_id, subscription_id, expected, label, received_day, copies) VALUES "
      "(%d, %d, '%d-09-05', 'Số 36', '%d-09-06', 2)" % (th1, sub, start, start))
    pat = srv.sql_value("SELECT id FROM patrons WHERE unit_id = %d AND kind = 'student' ORDER BY id LIMIT 1" % th1)
    w("INSERT INTO loans (unit_id, item_id, biblio_id, patron_id, patron_kind, class_name, doc_type, out_at, "
      "out_day, due) SELECT i.unit_id, i.id, i.biblio_id, p.id, p.kind, p.class_name, 'STK', 0, '%s', '%s' "
      "FROM items i, patrons p WHERE i.unit_id = %d AND i.register = 'STK' AND i.accession_no = %d AND p.id = %d"
      % (fx["in_year"], fx["in_year"], th1, acc, pat))
    w("INSERT INTO library_uses (unit_id, day, at, patron_kind, class_name, doc_type, count) VALUES "
      "(%d, '%s', 0, 'student', '3A1', 'STK', 5)" % (th1, fx["in_year"]))
    raise_counters(th1)


def teardown_module():
    srv.stop()


def test_hub_lists_the_registers_and_the_other_paperwork():
    j = h.expect_status(client("thuthu.th001").get("/registers"), 200).json()
    assert j["school"]["code"] == "TH001"
    assert j["school_year"] == fx["year"]
    kinds = [r["kind"] for r in j["registers"]]
    assert kinds == ["tongquat", "sgk", "baochi", "muon", "doctaicho"]
    assert j["counts"]["batches"] >= 1 and j["counts"]["withdrawals"] == 1 and j["counts"]["uses"] >= 5
    stk = h.json_find(j["series"], reg="STK")
    assert stk["copies"] >= 3 and stk["in_stock"] == stk["copies"] - 1
    assert [l["href"] for l in j["links"]] == ["/stock/opening", "/serials", "/stocktakes", "/withdrawals"]
    assert j["can_write"] is True
    page = h.expect_status(client("thuthu.th001", json=False).get("/registers"), 200).text
    assert h.untranslated(page) == []
    assert 'href="/registers"' in page and "Sổ sách" in page     # the navigation's entry
    assert "Sổ đăng ký tổng quát" in page and "Chuyển sang đánh số theo tên sách" in page
    leader = h.expect_status(client("bgh.th001").get("/registers"), 200).json()
    assert leader["can_write"] is False


def test_dkcb_page_lines():
    j = h.expect_status(client("thuthu.th001").get("/registers/dkcb?register=STK"), 200).json()
    lines = j["tables"][0]["lines"]
    rows = {l["cells"][1]["text"]: l for l in lines if "cells" in l}
    mine = rows[str(fx["acc"])]
    assert mine["cells"][2]["text"] == "Truyện Kiều chú giải / Nguyễn Du"
    assert mine["cells"][0]["text"] == vn(fx["in_year"])
    assert mine["cells"][6]["text"] == "68.000" and mine["cells"][6]["number"] is True
    assert mine["cells"][7]["text"] == str(fx["num"])
    weeded = rows[str(fx["acc"] + 1)]
    assert weeded["cells"][-1]["text"] == "đã thanh lọc QĐ số 12/QĐ-TH ngày %s" % vn(fx["in_year"])
    page = h.expect_status(client("thuthu.th001", json=False).get("/registers/dkcb?register=STK"), 200).text
    assert h.untranslated(page) == []
    assert "Truyện Kiều chú giải / Nguyễn Du" in page and "Tải PDF để in" in page


def test_dkcb_pdf():
    r = h.expect_status(client("thuthu.th001").get("/registers/dkcb?register=STK&format=pdf"), 200)
    assert r.header("Content-Type").startswith("application/pdf")
    assert 'filename="so-dang-ky-ca-biet-STK-%s.pdf"' % fx["year"] in r.header("Content-Disposition")
    text = pdf_text(r.body)
    assert "SỔ ĐĂNG KÝ CÁ BIỆT" in text
    assert "TRƯỜNG TIỂU HỌC LÊ NGỌC HÂN" in text and "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO QUẬN 1" in text
    assert "Truyện Kiều chú giải / Nguyễn Du" in text
    assert re.search(r"\b%d\b" % fx["acc"], text)
    # the note wraps in its cell: its words, in order, in the text as read without the layout
    raw = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=r.body, capture_output=True,
                         timeout=60).stdout.decode()
    assert re.search(r"đã thanh lọc\s+QĐ\s+số\s+12/\s*QĐ-TH", raw), raw[-2000:]
    assert "Trang 1" in text and "HIỆU TRƯỞNG" in text
    assert pdf_pages(r.body) >= 2   # the cover and a page


def test_dkcb_xlsx_cell_by_cell():
    r = h.expect_status(client("thuthu.th001").get("/registers/dkcb?register=STK&format=xlsx"), 200)
    assert 'filename="so-dang-ky-ca-biet-STK-%s.xlsx"' % fx["year"] in r.header("Content-Disposition")
    sheets = h.xlsx_read(r.body)
    rows = sheets[0]["rows"]
    assert rows[2][1] == "Số ĐKCB" and rows[2][2] == "Tên sách – Tác giả"
    data = [row for row in rows[3:] if row and isinstance(row[1], int)]
    db = srv.sql("SELECT i.accession_no, COALESCE(i.entered, a.received) AS entered, b.title, b.authors, "
                 "CASE WHEN i.price > 0 THEN i.price ELSE b.price END AS price, a.number "
                 "FROM items i JOIN biblios b ON b.id = i.biblio_id LEFT JOIN acquisitions a ON a.id = i.acquisition_id "
                 "WHERE i.unit_id = %d AND i.register = 'STK' AND COALESCE(i.entered, a.received) >= '%s-08-01' "
                 "ORDER BY i.accession_no" % (fx["th1"], fx["year"][:4]))
    assert len(data) == len(db) and len(db) >= 3
    for row, want in zip(data, db):
        assert row[0] == {"date": want["entered"]}
        assert row[1] == want["accession_no"]
        assert row[2] == "%s / %s" % (want["title"], want["authors"]) if want["authors"] else want["title"]
        assert row[6] == want["price"] and isinstance(row[6], int)
        assert row[7] == want["number"]


def test_every_register_as_page_pdf_and_workbook():
    c = client("thuthu.th001")
    for kind in KINDS:
        j = h.expect_status(c.get("/registers/%s" % kind), 200).json()
        assert j["kind"] == kind and j["tables"], kind
        assert j["total"] >= 1, kind
        pdf = h.expect_status(c.get("/registers/%s?format=pdf" % kind), 200)
        assert pdf.body[:4] == b"%PDF" and pdf_pages(pdf.body) >= 1, kind
        x = h.expect_status(c.get("/registers/%s?format=xlsx" % kind), 200)
        sheets = h.xlsx_read(x.body)
        assert sheets and len(sheets[0]["rows"]) >= 4, kind
    tq = h.xlsx_read(h.expect_status(c.get("/registers/tongquat?format=xlsx"), 200).body)
    assert [s["name"] for s in tq] == ["Phần I - Nhập kho", "Phần II - Xuất kho", "Phần III - Kiểm kê"]
    part2 = tq[1]["rows"]
    line = next(row for row in part2[3:] if row[2] == "12/QĐ-TH")
    assert line[0] == {"date": fx["in_year"]} and line[4] == 1 and line[5] == 68001
    text = pdf_text(h.expect_status(c.get("/registers/tongquat?format=pdf"), 200).body)
    assert "PHẦN I. NHẬP KHO" in text and "HĐ 77" in text
    d = datetime.date.fromisoformat(fx["in_year"])
    roman = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"][d.month - 1]
    assert "%d.%s.%d" % (d.day, roman, d.year) in text
    j = h.expect_status(c.get("/registers/sgk"), 200).json()
    lines = j["tables"][0]["lines"]
    i = next(k for k, l in enumerate(lines) if l.get("heading") == "Tiếng Việt 3 – Tập 1 · 4(V)(075)")
    assert lines[i + 1]["cells"][1]["text"] == "%d–%d" % (fx["sgk_first"], fx["sgk_first"] + 4)
    assert lines[i + 1]["cells"][2]["text"] == "5"
    text = pdf_text(h.expect_status(c.get("/registers/sgk?format=pdf"), 200).body)
    assert "Tiếng Việt 3 – Tập 1" in text and "4(V)(075)" in text
    sheet = h.xlsx_read(h.expect_status(c.get("/registers/doctaicho?format=xlsx"), 200).body)[0]["rows"]
    assert any(row and row[0] == {"date": fx["in_year"]} for row in sheet)


def test_scope():
    h.expect_error(client("bandoc.th001").get("/registers"), 403)
    h.expect_error(client("bandoc.th001").get("/registers/dkcb"), 403)
    # a school of the same office is still another school
    h.expect_error(client("thuthu.thcs001").get("/registers/dkcb?school=TH001"), 404)
    h.expect_error(client("thuthu.thcs001").get("/registers?school=%d" % fx["th1"]), 404)
    # the office reads its schools, by code or id; the other office does not
    j = h.expect_status(client("phong1.chuyenvien").get("/registers/dkcb?school=TH001"), 200).json()
    assert j["school"]["code"] == "TH001"
    h.expect_status(client("phong1.chuyenvien").get("/registers/muon?school=%d&format=pdf" % fx["th1"]), 200)
    h.expect_error(client("phong2.chuyenvien").get("/registers/dkcb?school=TH001"), 404)
    h.expect_error(client("phong2.chuyenvien").get("/registers/dkcb?school=TH001&format=xlsx"), 404)
    # an office that names no school chooses one
    j = h.expect_status(client("phong1.chuyenvien").get("/registers"), 200).json()
    assert {s["code"] for s in j["schools"]} == {"TH001", "THCS001"}
    page = h.expect_status(client("phong1.chuyenvien", json=False).get("/registers/sgk"), 200).text
    assert "/registers/sgk?school=TH001" in page


def test_bad_filters_answer_400_in_vietnamese_and_change_nothing():
    before = srv.db_snapshot(audit_ignore=("login.", "logout"))
    c = client("thuthu.th001")
    for q, code in [("school_year=2025", "err.registers.year"), ("from=2026-13-01", "err.date"),
                    ("from=2026-05-01&to=2026-01-01", "err.registers.period"),
                    ("register=KHONGCO", "err.registers.register"), ("format=doc", "err.registers.format"),
                    ("offset=-3", "err.number"), ("doc_type=XYZ", "err.biblio.doc_type")]:
        kind = "dkcb"
        e = h.expect_error(c.get("/registers/%s?%s" % (kind, q)), 400)
        assert e["message"] == h.vi(code), (q, e)
    h.expect_error(c.get("/registers/muon?group=parent"), 400, None)
    html = client("thuthu.th001", json=False).get("/registers/dkcb?school_year=abc")
    h.expect_status(html, 400)
    assert h.vi("err.registers.year") in html.text
    h.assert_unchanged(before, srv.db_snapshot(audit_ignore=("login.", "logout")))


def test_paging():
    th1 = fx["th1"]
    w("INSERT INTO biblios (unit_id, doc_type, title, title_fold, created_at, updated_at) VALUES "
      "(%d, 'SNV', 'Nghiệp vụ thư viện trường học', 'nghiep vu', 0, 0)" % th1)
    bib = srv.sql_value("SELECT MAX(id) FROM biblios WHERE unit_id = %d" % th1)
    acq = srv.sql_value("SELECT MAX(id) FROM acquisitions WHERE unit_id = %d" % th1)
    base = srv.sql_value("SELECT COALESCE(MAX(accession_no), 0) FROM items WHERE unit_id = %d AND register = 'SNV'"
                         % th1)
    w("WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 230) "
      "INSERT INTO items (unit_id, biblio_id, acquisition_id, register, accession_no, accession, barcode, price, "
      "created_at, title_no) SELECT %d, %d, %d, 'SNV', %d + k, 'SNV-' || k, 'PGT' || k, 1000, 0, k FROM n"
      % (th1, bib, acq, base))
    raise_counters(th1)
    c = client("thuthu.th001")
    j = h.expect_status(c.get("/registers/dkcb?register=SNV"), 200).json()
    total = j["total"]
    assert total >= 230 and len(j["tables"][0]["lines"]) == 200 and "next" in j and "prev" not in j
    j2 = h.expect_status(c.get(j["next"]), 200).json()
    assert len(j2["tables"][0]["lines"]) == total - 200 and "prev" in j2 and "next" not in j2
    assert j2["tables"][0]["lines"][-1]["cells"][1]["text"] == str(base + 230)


def test_numbering_setting():
    lib = client("thuthu.th001")
    h.expect_error(client("bgh.th001").post("/registers/settings", {"register": "STK", "numbering": "title"}), 403)
    h.expect_error(lib.post("/registers/settings", {"register": "STK", "numbering": "sometimes"}), 400)
    h.expect_error(lib.post("/registers/settings", {"register": "ZZZ", "numbering": "title"}), 400)
    h.expect_status(lib.post("/registers/settings", {"register": "STK", "numbering": "title"}, csrf=False), 403)
    assert srv.sql_value("SELECT COUNT(*) FROM register_settings WHERE unit_id = %d" % fx["th1"]) == 0
    j = h.expect_status(lib.post("/registers/settings", {"register": "STK", "numbering": "title"}), 200).json()
    assert j == {"register": "STK", "numbering": "title"}
    assert srv.audit("action = 'stock.numbering'")[-1]["detail"] == "STK: type -> title"
    page = h.expect_status(lib.get("/registers/dkcb?register=STK"), 200).json()
    assert page["by_title"] is True
    rows = {l["cells"][2]["text"]: l for l in page["tables"][0]["lines"] if "cells" in l}
    assert rows["Truyện Kiều chú giải / Nguyễn Du"]["cells"][1]["text"] in ("1", "2", "3")
    browser = client("thuthu.th001", json=False)
    r = browser.post("/registers/settings", {"register": "STK", "numbering": "type"})
    h.expect_redirect(r, "/registers")
    assert srv.sql_value("SELECT numbering FROM register_settings WHERE unit_id = %d AND register = 'STK'"
                         % fx["th1"]) == "type"


def test_server_still_healthy():
    h.assert_healthy(srv)


def test_registers_reconcile():
    """Last: what the registers rest on still holds after these scenarios (thuvien check)."""
    srv.check()
