"""test_serials.py: periodicals over real HTTP on a real server: titles and subscriptions (GET/POST
/serials, POST /serials/:id/subscriptions), the calendar grid (GET /serials/:id) showing received,
missing and coming issues, receipt by click (POST /serials/issues/:id/receive), by scan (POST
/serials/receive), its undo, claims (POST /serials/issues/:id/claim, GET /serials/claims and its
workbook), binding issues into a catalogue copy (POST /serials/:id/bind), and who may do what:
readers 403, another school's ids 404, bad input a clear message and no change.

The claim list is read back as a workbook (openpyxl, h.xlsx_read) and as a PDF (pdftotext).
Days are relative to today in Vietnam (the server's clock), so the grid's states are known: a
daily title subscribed from 20 days ago to 20 days ahead has 20 past issues and 21 to come.
"""
import datetime
import io
import re
import subprocess
import zipfile

import harness as h

srv = None
fx = {}
TABLES = ["periodicals", "subscriptions", "serial_issues", "biblios", "items", "acquisitions"]


def client(user, json=True):
    return srv.client(user, json)


def today():
    return (datetime.datetime.utcnow() + datetime.timedelta(hours=7)).date()


def day(offset):
    return (today() + datetime.timedelta(days=offset)).isoformat()


def vn(iso):
    y, m, d = iso.split("-")
    return "%s/%s/%s" % (d, m, y)


def school_year():
    t = today()
    y = t.year if t.month >= 8 else t.year - 1
    return "%d-%d" % (y, y + 1)


def pdf_text(data):
    p = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return p.stdout.decode()


def pdf_pages(data):
    p = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, timeout=30)
    return int(re.search(rb"Pages:\s+(\d+)", p.stdout).group(1))


def snapshot():
    return srv.db_snapshot(audit_ignore=("login", "logout"), extra=TABLES)


def issue(pid, offset):
    return srv.sql_value("SELECT i.id FROM serial_issues i JOIN subscriptions s ON s.id = i.subscription_id "
                         "WHERE s.periodical_id = %d AND i.expected = '%s'" % (pid, day(offset)))


def create(c, title, issn="", frequency="daily", **sub):
    f = {"title": title, "issn": issn, "kind": "newspaper", "frequency": frequency, "publisher": "NXB Thử",
         "school_year": school_year(), "start": vn(day(-20)), "end": vn(day(20)), "copies": "2", "sundays": "1",
         "supplier": "Bưu điện Quận 1", "price": "1200000", "funding": "budget"}
    f.update(sub)
    return c.post("/serials", f)


def setup_module():
    global srv
    srv = h.Server().start()
    fx["th1"] = srv.unit("TH001")["id"]
    fx["thcs"] = srv.unit("THCS001")["id"]
    lib = client("thuthu.th001")
    fx["daily"] = h.expect_status(create(lib, "Báo Thiếu niên Tiền phong", "0317-8471"), 201).json()["id"]
    other = client("thuthu.thcs001")
    fx["theirs"] = h.expect_status(create(other, "Báo mật Văn Lang", "1046-1248"), 201).json()["id"]


def teardown_module():
    srv.stop()


def test_create_and_list():
    lib = client("thuthu.th001")
    j = h.expect_status(lib.get("/serials"), 200).json()
    assert j["school_year"] == school_year()
    row = h.json_find(j["rows"], id=fx["daily"])
    assert row["title"] == "Báo Thiếu niên Tiền phong" and row["issn"] == "0317-8471"
    assert row["expected"] == 41 and row["missing"] == 20 and row["upcoming"] == 21 and row["copies"] == 2
    assert not any(r["title"] == "Báo mật Văn Lang" for r in j["rows"])
    j = h.expect_status(lib.get("/serials?q=tien+phong"), 200).json()
    assert [r["id"] for r in j["rows"]] == [fx["daily"]]
    assert h.expect_status(lib.get("/serials?q=van+lang"), 200).json()["rows"] == []
    # A browser's form: 303 to the new title; an irregular magazine with no days of its own.
    b = client("thuthu.th001", json=False)
    r = b.post("/serials", {"title": "Tạp chí Văn học và Tuổi trẻ", "issn": "0000 006x", "kind": "magazine",
                            "frequency": "irregular", "school_year": school_year(), "copies": "1"})
    loc = h.expect_redirect(r, re.compile(r"^/serials/\d+$"))
    fx["irr"] = int(loc.rsplit("/", 1)[1])
    assert srv.sql_value("SELECT issn FROM periodicals WHERE id = %d" % fx["irr"]) == "0000-006X"
    page = h.expect_status(b.get("/serials"), 200).text
    assert "Tạp chí Văn học và Tuổi trẻ" in page and "Không định kỳ" in page
    assert not h.untranslated(page), h.untranslated(page)
    # A second year's subscription: the weekly days of that year.
    nxt = "%d-%d" % (int(school_year()[:4]) + 1, int(school_year()[:4]) + 2)
    r = lib.post("/serials/%d/subscriptions" % fx["daily"], {"school_year": nxt, "copies": "1"})
    h.expect_status(r, 200)
    assert srv.sql_value("SELECT COUNT(*) FROM subscriptions WHERE periodical_id = %d" % fx["daily"]) == 2
    h.expect_error(lib.post("/serials/%d/subscriptions" % fx["daily"], {"school_year": nxt, "copies": "1"}), 409,
                   "err.serials.subscribed")


def test_bad_input_changes_nothing():
    lib = client("thuthu.th001")
    before = snapshot()
    cases = [
        ({"issn": "0317-8472"}, "err.serials.issn"),
        ({"issn": "1234"}, "err.serials.issn"),
        ({"start": vn(day(10)), "end": vn(day(-10))}, "err.serials.range"),
        ({"start": "31/02/2026"}, "err.serials.day"),
        ({"copies": "0"}, "err.serials.copies"),
        ({"copies": "1000000000"}, "err.serials.copies"),
        ({"copies": "hai"}, "err.number"),
        ({"frequency": "yearly"}, "err.serials.frequency"),
        ({"school_year": "2025-2027"}, "err.serials.year"),
        ({"price": "-1"}, "err.price"),
        ({"funding": "gift"}, "err.serials.funding"),
        ({"title": "  "}, "err.serials.title"),
        ({"title": "báo thiếu niên tiền phong"}, "err.serials.duplicate"),
    ]
    for extra, code in cases:
        f = {"title": "Báo Nhi Đồng"}
        f.update(extra)
        status = 409 if code == "err.serials.duplicate" else 400
        h.expect_error(create(lib, f.pop("title"), **f), status, code)
    # The browser gets the Vietnamese message and the form as typed.
    b = client("thuthu.th001", json=False)
    r = b.post("/serials", {"title": "Báo Nhi Đồng", "issn": "0317-8472", "frequency": "weekly",
                            "school_year": school_year()})
    h.expect_status(r, 400)
    assert h.in_html("ISSN không hợp lệ", r.text) and 'value="0317-8472"' in r.text
    h.assert_unchanged(before, snapshot(), "bad titles")


def test_grid_receive_undo():
    lib = client("thuthu.th001")
    pid = fx["daily"]
    i10 = issue(pid, -10)
    h.expect_status(lib.post("/serials/issues/%d/receive" % i10, {}), 200)
    assert srv.sql_value("SELECT copies FROM serial_issues WHERE id = %d" % i10) == 2
    assert srv.sql_value("SELECT received_day FROM serial_issues WHERE id = %d" % i10) == day(0)
    h.expect_error(lib.post("/serials/issues/%d/receive" % i10, {}), 409, "err.serials.received")
    # The browser's one click: 303 back to the title; the grid shows it received, the other past
    # days missing, the coming ones as buttons too.
    b = client("thuthu.th001", json=False)
    i9 = issue(pid, -9)
    loc = h.expect_redirect(b.post("/serials/issues/%d/receive" % i9, {"copies": "1", "label": "Số 45"}))
    assert loc.startswith("/serials/%d" % pid)
    page = h.expect_status(b.get(loc), 200).text
    cells = re.findall(r'<td class="(received|missing|upcoming)[^"]*"', page)
    assert cells.count("received") == 2 and cells.count("missing") == 18 and cells.count("upcoming") == 21, cells
    assert 'action="/serials/issues/%d/receive"' % issue(pid, -8) in page
    assert 'action="/serials/issues/%d/receive"' % i10 not in page
    assert "Số 45" in page and not h.untranslated(page)
    j = h.expect_status(lib.get("/serials/%d" % pid), 200).json()
    assert j["title"]["received"] == 2 and j["title"]["missing"] == 18, j["title"]
    month = [m for m in j["grid"] if any(c.get("id") == i10 for c in m["cells"])][0]
    assert [c for c in month["cells"] if c.get("id") == i10][0]["state"] == "received"
    # Undo, then the copies typed wrong.
    h.expect_status(lib.post("/serials/issues/%d/undo" % i9, {}), 200)
    assert srv.sql_value("SELECT received_day FROM serial_issues WHERE id = %d" % i9) is None
    h.expect_error(lib.post("/serials/issues/%d/undo" % i9, {}), 409, "err.serials.not_received")
    before = snapshot()
    for bad in ("0", "1000000000", "x"):
        h.expect_error(lib.post("/serials/issues/%d/receive" % i9, {"copies": bad}), 400)
    h.expect_error(lib.post("/serials/issues/%d/receive" % i9, {"day": vn(day(1))}), 400, "err.serials.future")
    h.expect_error(lib.post("/serials/issues/%d/receive" % i9, {"day": "32/01/2026"}), 400, "err.serials.day")
    h.assert_unchanged(before, snapshot(), "bad receipts")


def test_scan():
    lib = client("thuthu.th001")
    pid = fx["daily"]
    # EAN-13 977 + 0317847 + 00 + check: the ISSN 0317-8471; the day's issue (9 days ago).
    r = h.expect_status(lib.post("/serials/receive", {"code": "9770317847001", "day": vn(day(-9))}), 200)
    assert r.json()["issue_id"] == issue(pid, -9) and r.json()["title_id"] == pid, (r.json(), issue(pid, -9))
    # The same day again: the nearest one not received (8 days ago is as near as 10 days ago,
    # which is received: 8).
    r = h.expect_status(lib.post("/serials/receive", {"code": "0317-8471", "day": vn(day(-9))}), 200)
    assert r.json()["issue_id"] == issue(pid, -8)
    before = snapshot()
    h.expect_error(lib.post("/serials/receive", {"code": "9770317847002", "day": vn(day(-5))}), 400, "err.serials.ean")
    h.expect_error(lib.post("/serials/receive", {"code": "", "day": vn(day(-5))}), 400, "err.serials.code")
    h.expect_error(lib.post("/serials/receive", {"code": "0317-8471", "day": "01/01/2001"}), 404, "err.serials.scan")
    # Another school's title, by its ISSN: not found in ours.
    h.expect_error(lib.post("/serials/receive", {"code": "1046-1248", "day": vn(day(-5))}), 404, "err.serials.scan")
    h.assert_unchanged(before, snapshot(), "bad scans")
    # An irregular title: each scan adds its issue.
    r = h.expect_status(lib.post("/serials/receive", {"code": "0000-006X", "day": vn(day(-3)), "label": "Số 7"}), 200)
    assert srv.sql_value("SELECT label FROM serial_issues WHERE id = %d" % r.json()["issue_id"]) == "Số 7"
    # A browser's scan with a bad code comes back to the title's page with the message.
    b = client("thuthu.th001", json=False)
    r = b.post("/serials/receive", {"code": "977", "back": str(pid)})
    h.expect_status(r, 400)
    assert "Báo Thiếu niên Tiền phong" in r.text and 'role="alert"' in r.text


def test_claims():
    lib = client("thuthu.th001")
    pid = fx["daily"]
    m = issue(pid, -15)
    h.expect_status(lib.post("/serials/issues/%d/claim" % m, {"note": "Bưu điện chưa giao"}), 200)
    h.expect_error(lib.post("/serials/issues/%d/claim" % issue(pid, 3), {}), 409, "err.serials.not_missing")
    h.expect_error(lib.post("/serials/issues/%d/claim" % issue(pid, -10), {}), 409, "err.serials.not_missing")
    h.expect_error(lib.post("/serials/issues/%d/claim" % m, {"day": "hôm qua"}), 400, "err.serials.day")
    j = h.expect_status(lib.get("/serials/claims"), 200).json()
    assert j["total"] == 1
    g = j["groups"][0]
    assert g["supplier"] == "Bưu điện Quận 1" and g["rows"][0]["note"] == "Bưu điện chưa giao"
    assert g["rows"][0]["expected_vn"] == vn(day(-15))
    page = h.expect_status(client("thuthu.th001", json=False).get("/serials/claims"), 200).text
    assert "Bưu điện chưa giao" in page and "Danh sách khiếu nại" in page and not h.untranslated(page)
    r = h.expect_status(lib.get("/serials/claims?format=xlsx"), 200)
    assert r.header("Content-Type").startswith("application/vnd.openxmlformats")
    z = zipfile.ZipFile(io.BytesIO(r.body))
    strings = z.read("xl/sharedStrings.xml").decode()
    assert "Bưu điện chưa giao" in strings and "Báo Thiếu niên Tiền phong" in strings
    sheet = h.xlsx_read(r.body)[0]
    assert any(row[:3] == ["Bưu điện Quận 1", "Báo Thiếu niên Tiền phong", "0317-8471"] and
               row[3] == {"date": day(-15)} and row[6] == "Bưu điện chưa giao" for row in sheet["rows"]), sheet
    # The PDF to send: its text read back, one A4 page.
    r = h.expect_status(lib.get("/serials/claims?format=pdf"), 200)
    assert r.header("Content-Type") == "application/pdf" and r.body[:5] == b"%PDF-"
    text = pdf_text(r.body)
    for want in ("DANH SÁCH KHIẾU NẠI", "TRƯỜNG TIỂU HỌC LÊ NGỌC HÂN", "Nơi cung cấp: Bưu điện Quận 1",
                 "Báo Thiếu niên Tiền phong", "0317-8471", vn(day(-15)), "Bưu điện chưa giao", "HIỆU TRƯỞNG"):
        assert want in text, (want, text)
    assert pdf_pages(r.body) == 1
    h.expect_error(lib.get("/serials/claims?format=doc"), 400, "err.serials.format")
    # The grid marks the claim; the leader and the office read the list, the other school cannot.
    assert "missing claimed" in client("thuthu.th001", json=False).get("/serials/%d" % pid).text
    assert h.expect_status(client("bgh.th001").get("/serials/claims"), 200).json()["total"] == 1
    j = h.expect_status(client("phong1.chuyenvien").get("/serials/claims?unit=%d" % fx["th1"]), 200).json()
    assert j["total"] == 1
    h.expect_status(client("thuthu.thcs001").get("/serials/claims?unit=%d" % fx["th1"]), 404)
    h.expect_status(client("phong2.chuyenvien").get("/serials/claims?unit=%d" % fx["th1"]), 404)
    # Receiving the issue closes the claim.
    h.expect_status(lib.post("/serials/issues/%d/receive" % m, {}), 200)
    assert h.expect_status(lib.get("/serials/claims"), 200).json()["total"] == 0


def test_bind():
    lib = client("thuthu.th001")
    pid = fx["daily"]
    frm, to = vn(day(-20)), vn(day(-5))
    received = srv.sql_value("SELECT COUNT(*) FROM serial_issues i JOIN subscriptions s ON s.id = i.subscription_id "
                             "WHERE s.periodical_id = %d AND i.received_day IS NOT NULL AND i.expected <= '%s'"
                             % (pid, day(-5)))
    assert received >= 3
    before = snapshot()
    h.expect_error(lib.post("/serials/%d/bind" % pid, {"from": to, "to": frm}), 400, "err.serials.range")
    h.expect_error(lib.post("/serials/%d/bind" % pid, {"from": "01/01/2001", "to": "31/01/2001"}), 400,
                   "err.serials.bind_empty")
    h.expect_error(lib.post("/serials/%d/bind" % pid, {"from": frm, "to": to, "price": "-3"}), 400, "err.price")
    h.expect_status(client("thuthu.thcs001").post("/serials/%d/bind" % pid, {"from": frm, "to": to}), 404)
    h.expect_status(client("bgh.th001").post("/serials/%d/bind" % pid, {"from": frm, "to": to}), 403)
    h.assert_unchanged(before, snapshot(), "refused bindings")
    r = h.expect_status(lib.post("/serials/%d/bind" % pid, {"from": frm, "to": to, "price": "45000"}), 200)
    item = r.json()["item_id"]
    assert srv.sql_value("SELECT COUNT(*) FROM serial_issues WHERE bound_item_id = %d" % item) == received
    bib = srv.sql_value("SELECT biblio_id FROM periodicals WHERE id = %d" % pid)
    # The catalogue's own copy: the BAO register's number, its barcode, a batch of source other.
    b = h.expect_status(lib.get("/catalog/%d" % bib), 200).json()["biblio"]
    assert b["doc_type"] == "BAO" and b["title"] == "Báo Thiếu niên Tiền phong"
    cp = h.json_find(b["copies"], id=item)
    assert cp["accession"] == "BAO-000001" and cp["barcode"] == "BAO000001" and cp["price"] == 45000
    assert srv.sql_value("SELECT q.source FROM items i JOIN acquisitions q ON q.id = i.acquisition_id "
                         "WHERE i.id = %d" % item) == "other"
    assert srv.sql_value("SELECT title_no FROM items WHERE id = %d" % item) == 1
    # Bound once: not again, and its receipts stay.
    h.expect_error(lib.post("/serials/%d/bind" % pid, {"from": frm, "to": to}), 409, "err.serials.bound")
    h.expect_error(lib.post("/serials/issues/%d/undo" % issue(pid, -10), {}), 409, "err.serials.bound")
    page = client("thuthu.th001", json=False).get("/serials/%d" % pid).text
    assert "BAO-000001" in page and "đã đóng tập" in page


def test_scope():
    pid, theirs = fx["daily"], fx["theirs"]
    their_issue = issue(theirs, -10)
    other = client("thuthu.thcs001")
    for u in ("bandoc.th001", "bgh.th001", "phong1.chuyenvien", "phong2.chuyenvien"):
        client(u)
    client("phong1.chuyenvien", json=False)
    before = snapshot()
    h.expect_status(other.get("/serials/%d" % pid), 404)
    h.expect_status(client("thuthu.th001").get("/serials/%d" % theirs), 404)
    lib = client("thuthu.th001")
    for path, f in [("/serials/issues/%d/receive" % their_issue, {}), ("/serials/issues/%d/undo" % their_issue, {}),
                    ("/serials/issues/%d/claim" % their_issue, {}), ("/serials/%d/bind" % theirs,
                                                                     {"from": "01/01/2020", "to": "01/01/2030"}),
                    ("/serials/%d/subscriptions" % theirs, {"school_year": "2030-2031", "copies": "1"})]:
        r = lib.post(path, f)
        h.expect_status(r, 404)
        assert "Văn Lang" not in r.text
    h.expect_status(other.get("/serials?unit=%d" % fx["th1"]), 404)
    # Readers: nothing; the leader reads but writes nothing.
    reader = client("bandoc.th001")
    h.expect_status(reader.get("/serials"), 403)
    h.expect_status(reader.get("/serials/%d" % pid), 403, 404)
    h.expect_status(reader.get("/serials/claims"), 403)
    h.expect_status(reader.post("/serials/issues/%d/receive" % issue(pid, -7), {}), 403)
    leader = client("bgh.th001")
    assert h.expect_status(leader.get("/serials/%d" % pid), 200).json()["can_write"] is False
    h.expect_status(create(leader, "Báo của hiệu trưởng"), 403)
    h.expect_status(leader.post("/serials/issues/%d/receive" % issue(pid, -7), {}), 403)
    h.assert_unchanged(before, snapshot(), "other schools' and readers' requests")
    # An office: its schools to choose from, then a school's list.
    office = client("phong1.chuyenvien", json=False)
    page = h.expect_status(office.get("/serials"), 200).text
    assert "/serials?unit=%d" % fx["th1"] in page
    j = h.expect_status(client("phong1.chuyenvien").get("/serials?unit=%d" % fx["th1"]), 200).json()
    assert any(r["id"] == pid for r in j["rows"]) and j["can_write"] is False
    h.expect_status(client("phong2.chuyenvien").get("/serials?unit=%d" % fx["th1"]), 404)


def test_csrf_and_audit():
    lib = client("thuthu.th001")
    pid = fx["daily"]
    before = snapshot()
    # A form posted without the session's token changes nothing.
    h.expect_status(lib.post("/serials/issues/%d/receive" % issue(pid, -6), {}, csrf=False), 403)
    h.expect_status(lib.post("/serials", {"title": "Báo không token", "frequency": "daily"}, csrf=False), 403)
    h.assert_unchanged(before, snapshot(), "posts without the CSRF token")
    # Every write left its audit row, as the librarian.
    acts = {r["action"] for r in srv.audit("action LIKE 'serials.%'")}
    assert {"serials.create", "serials.subscribe", "serials.receive", "serials.unreceive", "serials.claim",
            "serials.bind"} <= acts, acts
    lib_id = srv.account("thuthu.th001")["id"]
    assert all(r["account_id"] == lib_id for r in srv.audit("action LIKE 'serials.%%' AND unit_id = %d" % fx["th1"]))


def test_registers_reconcile():
    """Last: what the registers rest on still holds after these scenarios (thuvien check)."""
    srv.check()
