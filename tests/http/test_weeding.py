"""test_weeding.py: weeding (thanh lọc) over real HTTP on a real server: GET/POST /withdrawals,
GET /withdrawals/:id (with its search), POST /withdrawals/:id/items (by scan, by chosen copies, by
rule with a preview), .../items/remove, .../items/reason, .../propose, .../approve, .../return,
the minutes PDF (read back with pdftotext and pdfinfo), the list XLSX (read back with openpyxl and
compared with the database), and the public list on the school's OPAC page
(/opac/s/CODE/withdrawals/ID) for 15 days.

Roles: the librarian of TH001 makes and proposes; its leader (bgh.th001) approves or returns; the
librarian cannot approve; THCS001's leader and librarian get 404 for TH001's batch; a reader 403.
Copies come from the catalogue's own POST /catalog and loans from the desk's POST /circ/checkout.
Every refusal is checked to change nothing.
"""
import datetime
import re
import subprocess

import harness as h

srv = None
fx = {}
TABLES = ["withdrawals", "withdrawal_items", "items", "accession_counters", "holds", "loans"]


def client(user, json=True):
    return srv.client(user, json)


def lib(json=True):
    return client("thuthu.th001", json)


def leader(json=True):
    return client("bgh.th001", json)


def today():
    return (datetime.datetime.utcnow() + datetime.timedelta(hours=7)).date()


def vn(d):
    return d.strftime("%d/%m/%Y")


def copies(c, title, n, doc_type="STK", price=30000, year=None, authors="Tô Hoài"):
    f = {"title": title, "doc_type": doc_type, "copies": str(n), "price": str(price), "authors": authors}
    if year:
        f["year"] = str(year)
    b = h.expect_status(c.post("/catalog", f), 201).json()["biblio"]
    return b["copies"]


def snapshot():
    return srv.db_snapshot(audit_ignore=("login.", "logout"), extra=TABLES)


def message(r):
    return r.json()["error"]["message"]


def setup_module():
    global srv
    srv = h.Server().start()
    fx["th1"] = srv.unit("TH001")["id"]
    # Every account logs in now, so the snapshots of the tests see no login's traces.
    for u in ("thuthu.th001", "bgh.th001", "thuthu.thcs001", "bgh.thcs001", "phong1.chuyenvien", "bandoc.th001"):
        client(u)
    for u in ("thuthu.th001", "bgh.th001"):
        client(u, False)
    c = lib()
    fx["demen"] = copies(c, "Dế Mèn phiêu lưu ký", 4)
    fx["sgk"] = copies(c, "Tiếng Việt 3 (chương trình 2000)", 2, "SGK", 9000, 2010)
    fx["loan"] = copies(c, "Truyện Kiều", 2, price=45000, authors="Nguyễn Du")
    fx["theirs"] = copies(client("thuthu.thcs001"), "Sách riêng Văn Lang", 1)
    # Barcodes are unique per school only: the other school's copy gets one TH001 does not have.
    h.sql_write(srv, "UPDATE items SET barcode = 'VL-RIENG-0001' WHERE id = %d" % fx["theirs"][0]["id"])
    fx["theirs"][0]["barcode"] = "VL-RIENG-0001"
    fx["patron"] = srv.sql_value("SELECT code FROM patrons WHERE unit_id = %d AND kind = 'student' ORDER BY id "
                                 "LIMIT 1" % fx["th1"])
    h.expect_status(c.post("/circ/checkout", {"patron": fx["patron"], "item": fx["loan"][0]["barcode"]}), 200)


def teardown_module():
    srv.stop()


# --- roles and the list ----------------------------------------------------------------------------

def test_only_the_librarian_opens_a_batch():
    before = snapshot()
    h.expect_error(leader().post("/withdrawals", {"title": "BGH"}), 403, "err.weeding.write")
    h.expect_error(client("phong1.chuyenvien").post("/withdrawals", {"title": "Phòng"}), 403)
    h.expect_error(client("bandoc.th001").post("/withdrawals", {"title": "Bạn đọc"}), 403)
    h.expect_error(lib().post("/withdrawals", {"title": "x" * 201}), 400, "err.weeding.title")
    h.assert_unchanged(before, snapshot())
    r = h.expect_status(lib().post("/withdrawals", {"title": "Thanh lọc học kỳ I", "note": "Sách hỏng"}), 201)
    fx["w1"] = r.json()["id"]
    j = h.expect_status(lib().get("/withdrawals"), 200).json()
    assert [w["id"] for w in j["withdrawals"]] == [fx["w1"]] and j["can_create"] is True
    w = j["withdrawals"][0]
    assert w["status"] == "draft" and w["status_label"] == "Đang lập" and w["copies"] == 0
    j = h.expect_status(leader().get("/withdrawals"), 200).json()
    assert [w["id"] for w in j["withdrawals"]] == [fx["w1"]] and j["can_create"] is False
    j = h.expect_status(client("phong1.chuyenvien").get("/withdrawals?unit=%d" % fx["th1"]), 200).json()
    assert [w["id"] for w in j["withdrawals"]] == [fx["w1"]] and j["can_create"] is False
    # An office's account that names no school is offered its schools.
    j = h.expect_status(client("phong1.chuyenvien").get("/withdrawals"), 200).json()
    assert "/withdrawals?unit=%d" % fx["th1"] in [x["href"] for x in j["schools"]]
    j = h.expect_status(client("phong1.chuyenvien").get("/withdrawals/%d" % fx["w1"]), 200).json()
    assert not j["can_edit"] and not j["can_decide"]
    for other in ("thuthu.thcs001", "bgh.thcs001"):
        h.expect_error(client(other).get("/withdrawals/%d" % fx["w1"]), 404, "err.weeding.notfound")
        assert h.expect_status(client(other).get("/withdrawals"), 200).json()["withdrawals"] == []
        h.expect_error(client(other).get("/withdrawals?unit=%d" % fx["th1"]), 404)
    h.expect_error(client("bandoc.th001").get("/withdrawals/%d" % fx["w1"]), 403)
    assert srv.sql_value("SELECT COUNT(*) FROM audit WHERE action = 'withdrawal.create' AND entity_id = %d"
                         % fx["w1"]) == 1


# --- adding copies ---------------------------------------------------------------------------------

def test_add_by_scan_all_or_nothing():
    w = fx["w1"]
    d = fx["demen"]
    before = snapshot()
    r = lib().post("/withdrawals/%d/items" % w, [("barcode", d[0]["barcode"]), ("barcode", "KHONG-CO-MA")])
    e = h.expect_error(r, 404, "err.weeding.item_notfound")
    assert e["detail"] == "KHONG-CO-MA" and "Không tìm thấy bản sách" in e["message"]
    r = lib().post("/withdrawals/%d/items" % w, [("barcode", d[0]["barcode"]), ("barcode", fx["theirs"][0]["barcode"])])
    h.expect_error(r, 404, "err.weeding.item_notfound")
    r = lib().post("/withdrawals/%d/items" % w, {"barcodes": d[0]["barcode"] + "\n" + fx["loan"][0]["barcode"]})
    e = h.expect_error(r, 409, "err.weeding.item_on_loan")
    assert "đang được cho mượn" in e["message"] and e["detail"] == fx["loan"][0]["barcode"]
    h.expect_error(lib().post("/withdrawals/%d/items" % w, {"barcode": d[0]["barcode"], "reason": "XYZ"}), 400,
                   "err.weeding.reason")
    h.expect_error(leader().post("/withdrawals/%d/items" % w, {"barcode": d[0]["barcode"]}), 403)
    h.expect_error(client("thuthu.thcs001").post("/withdrawals/%d/items" % w, {"barcode": d[0]["barcode"]}), 404)
    h.assert_unchanged(before, snapshot())
    r = lib().post("/withdrawals/%d/items" % w, {"barcodes": "%s\n%s" % (d[0]["barcode"], d[1]["accession"]),
                                                 "reason": "RACH", "note": "bìa rách"})
    j = h.expect_status(r, 200).json()
    assert j["added"] == 2 and j["already"] == 0
    j = h.expect_status(lib().post("/withdrawals/%d/items" % w, {"barcode": d[0]["barcode"]}), 200).json()
    assert j["added"] == 0 and j["already"] == 1
    j = h.expect_status(lib().get("/withdrawals/%d" % w), 200).json()
    assert [x["item_id"] for x in j["items"]] == [d[0]["id"], d[1]["id"]]
    assert j["items"][0]["reason_name"] == "Rách nát" and j["items"][0]["note"] == "bìa rách"
    assert j["withdrawal"]["copies"] == 2 and j["withdrawal"]["value"] == 60000
    assert j["can_edit"] and j["can_propose"] and not j["can_decide"]


def test_add_by_search_and_the_other_open_batch():
    w = fx["w1"]
    j = h.expect_status(lib().get("/withdrawals/%d?q=de+men" % w), 200).json()
    found = {x["item_id"]: x for x in j["found"]}
    assert set(found) == set(c["id"] for c in fx["demen"])
    assert found[fx["demen"][0]["id"]]["can_add"] is False and found[fx["demen"][0]["id"]]["why"] == "Đã có trong đợt này."
    assert found[fx["demen"][2]["id"]]["can_add"] is True
    j = h.expect_status(lib().get("/withdrawals/%d?q=rieng+van+lang" % w), 200).json()
    assert j["found"] == []          # another school's copies are not found
    r = lib().post("/withdrawals/%d/items" % w, {"item": str(fx["demen"][2]["id"]), "reason": "MOI"})
    assert h.expect_status(r, 200).json()["added"] == 1
    h.expect_error(lib().post("/withdrawals/%d/items" % w, {"item": str(fx["theirs"][0]["id"])}), 404)
    h.expect_error(lib().post("/withdrawals/%d/items" % w, {"item": "abc"}), 400, "err.number")
    # The same copy cannot be in two open batches.
    fx["w2"] = h.expect_status(lib().post("/withdrawals", {"title": "Theo quy tắc"}), 201).json()["id"]
    e = h.expect_error(lib().post("/withdrawals/%d/items" % fx["w2"], {"barcode": fx["demen"][2]["barcode"]}), 409,
                       "err.weeding.item_in_batch")
    assert "#%d" % w in e["detail"]


def test_change_reason_and_remove():
    w = fx["w1"]
    it = fx["demen"][2]["id"]
    h.expect_status(lib().post("/withdrawals/%d/items/reason" % w, {"item": str(it), "reason": "LACHAU"}), 200)
    h.expect_error(lib().post("/withdrawals/%d/items/reason" % w, {"item": str(fx["demen"][3]["id"]),
                                                                   "reason": "MAT"}), 404)
    j = h.expect_status(lib().get("/withdrawals/%d" % w), 200).json()
    assert [x["reason"] for x in j["items"]] == ["RACH", "RACH", "LACHAU"]
    r = lib().post("/withdrawals/%d/items/remove" % w, [("item", str(it)), ("item", str(fx["theirs"][0]["id"]))])
    assert h.expect_status(r, 200).json()["removed"] == 1
    assert srv.sql_value("SELECT COUNT(*) FROM withdrawal_items WHERE withdrawal_id = %d" % w) == 2


def test_add_by_rule_with_preview():
    w2 = fx["w2"]
    h.sql_write(srv, "UPDATE items SET status = 'damaged' WHERE id = %d" % fx["demen"][3]["id"])
    before = snapshot()
    j = h.expect_status(lib().post("/withdrawals/%d/items" % w2, {"rule": "damaged", "preview": "1"}), 200).json()
    assert j["count"] == 1 and j["added"] == 0
    j = h.expect_status(lib().post("/withdrawals/%d/items" % w2, {"rule": "superseded", "before_year": "2015",
                                                                   "preview": "1"}), 200).json()
    assert j["count"] == 2
    # The same textbooks chosen by record from the page's list.
    page = h.expect_status(lib().get("/withdrawals/%d" % w2), 200).json()
    bib = srv.sql_value("SELECT biblio_id FROM items WHERE id = %d" % fx["sgk"][0]["id"])
    assert [t["biblio_id"] for t in page["textbooks"]] == [bib] and page["textbooks"][0]["copies"] == 2
    j = h.expect_status(lib().post("/withdrawals/%d/items" % w2, [("rule", "superseded"), ("biblio", str(bib)),
                                                                   ("preview", "1")]), 200).json()
    assert j["count"] == 2
    html = h.expect_status(lib(False).get("/withdrawals/%d" % w2), 200).text
    assert "Chọn đầu sách giáo khoa chương trình cũ" in html and 'name="biblio" value="%d"' % bib in html
    assert "weeding." not in re.sub(r"<[^>]*>", " ", html)
    h.assert_unchanged(before, snapshot())
    h.expect_error(lib().post("/withdrawals/%d/items" % w2, {"rule": "superseded", "before_year": "1200"}), 400,
                   "err.weeding.rule_param")
    h.expect_error(lib().post("/withdrawals/%d/items" % w2, {"rule": "unused"}), 400, "err.weeding.rule_param")
    h.expect_error(lib().post("/withdrawals/%d/items" % w2, {"rule": "all"}), 400, "err.weeding.rule")
    h.expect_error(lib().post("/withdrawals/%d/items" % w2, {"rule": "unused", "years": "x"}), 400, "err.number")
    j = h.expect_status(lib().post("/withdrawals/%d/items" % w2, {"rule": "superseded", "before_year": "2015"}),
                        200).json()
    assert j["added"] == 2
    j = h.expect_status(lib().post("/withdrawals/%d/items" % w2, {"rule": "damaged"}), 200).json()
    assert j["added"] == 1
    j = h.expect_status(lib().get("/withdrawals/%d" % w2), 200).json()
    assert sorted(x["reason"] for x in j["items"]) == ["CTCU", "CTCU", "RACH"]
    assert {(t["reason"], t["doc_type"], t["copies"]) for t in j["totals"]} == {("CTCU", "SGK", 2), ("RACH", "STK", 1)}


# --- states ----------------------------------------------------------------------------------------

def test_propose_locks_the_list_and_only_the_leader_decides():
    w = fx["w1"]
    empty = h.expect_status(lib().post("/withdrawals", {"title": "Rỗng"}), 201).json()["id"]
    h.expect_error(lib().post("/withdrawals/%d/propose" % empty, {}), 400, "err.weeding.empty")
    h.expect_error(leader().post("/withdrawals/%d/propose" % w, {}), 403)
    j = h.expect_status(lib().post("/withdrawals/%d/propose" % w, {}), 200).json()
    assert j["status"] == "proposed"
    before = snapshot()
    e = h.expect_error(lib().post("/withdrawals/%d/items" % w, {"barcode": fx["demen"][2]["barcode"]}), 409,
                       "err.weeding.locked_proposed")
    assert "đề nghị duyệt" in e["message"]
    h.expect_error(lib().post("/withdrawals/%d/items/remove" % w, {"item": str(fx["demen"][0]["id"])}), 409)
    h.expect_error(lib().post("/withdrawals/%d/items/reason" % w, {"item": str(fx["demen"][0]["id"]),
                                                                   "reason": "MAT"}), 409)
    ok = {"decision_no": "12/QĐ-TH", "decision_day": vn(today())}
    h.expect_error(lib().post("/withdrawals/%d/approve" % w, ok), 403, "err.weeding.approver")
    h.expect_error(client("phong1.chuyenvien").post("/withdrawals/%d/approve" % w, ok), 403)
    h.expect_error(client("bgh.thcs001").post("/withdrawals/%d/approve" % w, ok), 404)
    h.expect_error(client("bgh.thcs001").post("/withdrawals/%d/return" % w, {"reason": "x"}), 404)
    h.expect_error(leader().post("/withdrawals/%d/return" % w, {"reason": " "}), 400, "err.weeding.return_reason")
    h.expect_error(leader().post("/withdrawals/%d/approve" % w, {"decision_day": vn(today())}), 400,
                   "err.weeding.decision_no")
    h.expect_error(leader().post("/withdrawals/%d/approve" % w, {"decision_no": "1", "decision_day": "32/13/2026"}),
                   400, "err.weeding.decision_day")
    e = h.expect_error(leader().post("/withdrawals/%d/approve" % w, {"decision_no": "1", "decision_day":
                                                                     vn(today() + datetime.timedelta(days=1))}),
                       400, "err.weeding.decision_future")
    assert "sau ngày hôm nay" in e["message"]
    h.assert_unchanged(before, snapshot())
    j = h.expect_status(leader().get("/withdrawals/%d" % w), 200).json()
    assert j["can_decide"] and not j["can_edit"]
    # Returned: the librarian sees why, edits and proposes again.
    h.expect_status(leader().post("/withdrawals/%d/return" % w, {"reason": "Kiểm tra lại bản STK"}), 200)
    j = h.expect_status(lib().get("/withdrawals/%d" % w), 200).json()
    assert j["withdrawal"]["status"] == "returned" and j["withdrawal"]["return_reason"] == "Kiểm tra lại bản STK"
    assert j["can_edit"]
    h.expect_status(lib().post("/withdrawals/%d/items/reason" % w, {"item": str(fx["demen"][1]["id"]),
                                                                    "reason": "MOI"}), 200)
    h.expect_status(lib().post("/withdrawals/%d/propose" % w, {}), 200)


def test_approval_withdraws_numbers_and_publishes():
    w = fx["w1"]
    day = today() - datetime.timedelta(days=2)
    j = h.expect_status(leader().post("/withdrawals/%d/approve" % w, {"decision_no": "12/QĐ-TH",
                                                                      "decision_day": day.isoformat()}), 200).json()
    assert j["status"] == "approved" and j["number"] == 1
    row = srv.sql("SELECT * FROM withdrawals WHERE id = %d" % w)[0]
    assert row["number"] == 1 and row["decision_no"] == "12/QĐ-TH" and row["decision_day"] == day.isoformat()
    assert row["approved_day"] == today().isoformat()
    assert row["publish_until"] == (today() + datetime.timedelta(days=15)).isoformat()
    ids = [fx["demen"][0]["id"], fx["demen"][1]["id"]]
    items = srv.sql("SELECT id, status, withdrawal_id FROM items WHERE id IN (%d, %d) ORDER BY id" % tuple(ids))
    assert [(x["status"], x["withdrawal_id"]) for x in items] == [("withdrawn", w)] * 2
    assert srv.sql_value("SELECT last FROM accession_counters WHERE unit_id = %d AND register = '#XK'"
                         % fx["th1"]) == 1
    assert srv.sql_value("SELECT COUNT(*) FROM audit WHERE action = 'withdrawal.approve' AND entity_id = %d" % w) == 1
    # Never changed again.
    before = snapshot()
    h.expect_error(lib().post("/withdrawals/%d/items/remove" % w, {"item": str(ids[0])}), 409,
                   "err.weeding.locked_approved")
    h.expect_error(leader().post("/withdrawals/%d/approve" % w, {"decision_no": "13", "decision_day": vn(today())}),
                   409)
    h.expect_error(leader().post("/withdrawals/%d/return" % w, {"reason": "muộn"}), 409)
    h.expect_error(lib().post("/withdrawals/%d/items" % fx["w2"], {"barcode": fx["demen"][0]["barcode"]}), 409,
                   "err.weeding.item_withdrawn")
    h.assert_unchanged(before, snapshot())
    # The page of an approved batch: no forms, the public link.
    j = h.expect_status(lib().get("/withdrawals/%d" % w), 200).json()
    assert not j["can_edit"] and not j["can_decide"]
    assert j["public_url"] == "/opac/s/TH001/withdrawals/%d" % w


def test_the_desk_refuses_a_withdrawn_copy():
    before = snapshot()
    r = lib().post("/circ/checkout", {"patron": fx["patron"], "item": fx["demen"][0]["barcode"]})
    assert r.status == 409, h.describe(r)
    j = r.json()
    text = (j.get("message") or j.get("error", {}).get("message") or "")
    assert "Dế Mèn phiêu lưu ký" in text and "không cho mượn" in text, j
    h.assert_unchanged(before, snapshot())


def test_approval_refused_when_a_copy_went_on_loan():
    w2 = fx["w2"]
    h.expect_status(lib().post("/withdrawals/%d/propose" % w2, {}), 200)
    # A superseded textbook of the batch is lent at the desk after the proposal.
    sgk = fx["sgk"][0]
    h.expect_status(lib().post("/circ/checkout", {"patron": fx["patron"], "item": sgk["barcode"]}), 200)
    before = snapshot()
    e = h.expect_error(leader().post("/withdrawals/%d/approve" % w2, {"decision_no": "14/QĐ-TH",
                                                                      "decision_day": vn(today())}), 409,
                       "err.weeding.approve_busy")
    assert sgk["barcode"] in e["detail"] and "cho mượn" in e["message"]
    h.assert_unchanged(before, snapshot())
    # Returned, the copy removed, proposed, approved: the next number of part II.
    h.expect_status(leader().post("/withdrawals/%d/return" % w2, {"reason": "Có sách đang mượn"}), 200)
    h.expect_status(lib().post("/withdrawals/%d/items/remove" % w2, {"item": str(sgk["id"])}), 200)
    h.expect_status(lib().post("/withdrawals/%d/propose" % w2, {}), 200)
    j = h.expect_status(leader().post("/withdrawals/%d/approve" % w2, {"decision_no": "14/QĐ-TH",
                                                                       "decision_day": vn(today())}), 200).json()
    assert j["number"] == 2
    # Accession numbers are never reused: a new copy continues after the withdrawn ones.
    top = srv.sql_value("SELECT MAX(accession_no) FROM items WHERE unit_id = %d AND register = 'STK'" % fx["th1"])
    new = copies(lib(), "Sách mới sau thanh lọc", 1)
    assert srv.sql_value("SELECT accession_no FROM items WHERE id = %d" % new[0]["id"]) == top + 1


# --- prints ----------------------------------------------------------------------------------------

def pdf_text(data):
    p = subprocess.run(["pdftotext", "-enc", "UTF-8", "-layout", "-", "-"], input=data, capture_output=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    return re.sub(r"[ \t]+", " ", p.stdout.decode())


def pdf_pages(data):
    p = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, timeout=60)
    return int(re.search(rb"Pages:\s+(\d+)", p.stdout).group(1))


def test_minutes_pdf():
    w = fx["w1"]
    r = h.expect_status(leader().get("/withdrawals/%d/minutes.pdf" % w), 200)
    assert r.header("Content-Type").startswith("application/pdf")
    text = pdf_text(r.body)
    for s in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "BIÊN BẢN THANH LỌC TÀI LIỆU", "TRƯỜNG TIỂU HỌC LÊ NGỌC HÂN",
              "12/QĐ-TH", vn(today() - datetime.timedelta(days=2)), "Số ĐKCB", "Tên sách", "Lý do",
              fx["demen"][0]["accession"], fx["demen"][1]["accession"], "Dế Mèn phiêu lưu ký", "Tô Hoài",
              "Rách nát", "Mối mọt", "60.000", "NGƯỜI LẬP", "HIỆU TRƯỞNG"):
        assert s in text, "%r not in the minutes:\n%s" % (s, text[:3000])
    assert pdf_pages(r.body) >= 1
    h.expect_error(client("bgh.thcs001").get("/withdrawals/%d/minutes.pdf" % w), 404)


def test_list_xlsx_matches_the_database():
    w = fx["w2"]
    r = h.expect_status(lib().get("/withdrawals/%d/list.xlsx" % w), 200)
    sheets = h.xlsx_read(r.body)
    rows = [x for x in sheets[0]["rows"] if any(v not in (None, "") for v in x)]
    db = srv.sql("SELECT i.accession, b.title, i.price, r.name_vi FROM withdrawal_items wi JOIN items i ON "
                 "i.id = wi.item_id JOIN biblios b ON b.id = i.biblio_id JOIN withdrawal_reasons r ON "
                 "r.code = wi.reason WHERE wi.withdrawal_id = %d ORDER BY i.register, i.accession_no" % w)
    head = [i for i, x in enumerate(rows) if x and x[0] == "STT"]
    assert head, rows[:4]
    body = rows[head[0] + 1: head[0] + 1 + len(db)]
    assert len(body) == len(db) == 2
    for k, (x, d) in enumerate(zip(body, db)):
        assert x[0] == k + 1 and x[1] == d["accession"] and x[2] == d["title"], x
        assert x[5] == d["price"] and isinstance(x[5], (int, float)) and x[6] == d["name_vi"], x
    total = rows[head[0] + 1 + len(db)]
    assert total[5] == sum(d["price"] for d in db)


# --- the public list -------------------------------------------------------------------------------

def test_public_list_for_fifteen_days():
    w = fx["w1"]
    anon = h.Client(srv, json=False)
    page = h.expect_status(anon.get("/opac/s/TH001"), 200).text
    assert "/opac/s/TH001/withdrawals/%d" % w in page and "12/QĐ-TH" in page
    j = h.expect_status(h.Client(srv).get("/opac/s/TH001/withdrawals/%d" % w), 200).json()
    assert j["number"] == 1 and j["copies"] == 2
    assert [x["accession"] for x in j["items"]] == [fx["demen"][0]["accession"], fx["demen"][1]["accession"]]
    assert j["items"][0]["title"] == "Dế Mèn phiêu lưu ký" and j["items"][0]["reason"] == "Rách nát"
    html = h.expect_status(anon.get("/opac/s/TH001/withdrawals/%d" % w), 200).text
    assert fx["demen"][0]["accession"] in html and fx["demen"][0]["barcode"] not in html.replace(
        fx["demen"][0]["accession"], "")
    assert "30.000" not in html and "Nguyễn" not in html
    # Another school's code, a draft, a malformed id: not found.
    h.expect_status(anon.get("/opac/s/THCS001/withdrawals/%d" % w), 404)
    draft = h.expect_status(lib().post("/withdrawals", {"title": "Nháp"}), 201).json()["id"]
    h.expect_status(anon.get("/opac/s/TH001/withdrawals/%d" % draft), 404)
    h.expect_status(anon.get("/opac/s/TH001/withdrawals/abc"), 404)
    # A school closed to anonymous visitors: only logged-in accounts.
    h.sql_write(srv, "UPDATE units SET opac_public = 0 WHERE id = %d" % fx["th1"])
    try:
        h.expect_status(h.Client(srv).get("/opac/s/TH001/withdrawals/%d" % w), 401)
        h.expect_status(client("bgh.thcs001").get("/opac/s/TH001/withdrawals/%d" % w), 200)
    finally:
        h.sql_write(srv, "UPDATE units SET opac_public = 1 WHERE id = %d" % fx["th1"])
    # After publish_until: gone.
    h.sql_write(srv, "UPDATE withdrawals SET publish_until = '%s' WHERE unit_id = %d"
                % ((today() - datetime.timedelta(days=1)).isoformat(), fx["th1"]))
    r = h.expect_status(anon.get("/opac/s/TH001/withdrawals/%d" % w), 404)
    assert "Không có danh sách thanh lọc công khai này" in r.text and "/opac" in r.text
    page = h.expect_status(anon.get("/opac/s/TH001"), 200).text
    assert "/withdrawals/" not in page


# --- pages -----------------------------------------------------------------------------------------

def test_pages_render_in_vietnamese():
    for c in (lib(False), leader(False)):
        page = h.expect_status(c.get("/withdrawals"), 200).text
        assert "Thanh lọc tài liệu" in page and "Thanh lọc học kỳ I" in page
        assert not h.untranslated(page) and "weeding." not in re.sub(r"<[^>]*>", " ", page)
        page = h.expect_status(c.get("/withdrawals/%d" % fx["w1"]), 200).text
        assert "Đã duyệt" in page and "12/QĐ-TH" in page and "Dế Mèn phiêu lưu ký" in page
        assert "weeding." not in re.sub(r"<[^>]*>", " ", page)
    draft = h.expect_status(lib().post("/withdrawals", {"title": "Trang nháp"}), 201).json()["id"]
    page = h.expect_status(lib(False).get("/withdrawals/%d?q=de+men" % draft), 200).text
    assert 'name="csrf"' in page and "Thêm bằng quét mã vạch" in page and "Dế Mèn phiêu lưu ký" in page
    assert "weeding." not in re.sub(r"<[^>]*>", " ", page)
    # A browser's form post goes back to the batch with a notice.
    r = lib(False).post("/withdrawals/%d/items" % draft, {"barcodes": fx["demen"][2]["barcode"], "reason": "RACH"})
    loc = h.expect_redirect(r)
    assert loc == "/withdrawals/%d?ok=added" % draft
    page = h.expect_status(lib(False).get(loc), 200).text
    assert "Đã thêm bản sách vào danh sách." in page
    r = lib(False).post("/withdrawals/%d/propose" % draft, {})
    h.expect_redirect(r)
    page = h.expect_status(leader(False).get("/withdrawals/%d" % draft), 200).text
    assert "Duyệt thanh lọc" in page and "Trả lại để sửa" in page
    r = lib(False).post("/withdrawals/%d/items" % draft, {"barcodes": fx["demen"][3]["barcode"]})
    assert r.status == 409 and "đề nghị duyệt" in r.text


def test_registers_reconcile():
    """Last: what the registers rest on still holds after these scenarios (thuvien check)."""
    srv.check()
