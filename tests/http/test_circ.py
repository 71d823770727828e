"""test_circ.py: the lending desk through the real server: the API for programs and scanners
(POST /circ/checkout, /circ/return, /circ/renew answering JSON {ok, key, message, loan}; refusals
409, unknown codes 404), every refusal as JSON and as the re-rendered page, the desk's one input
(a card loads the reader, a barcode lends to the loaded reader or returns without one, a name
searches), htmx answers (HX-Request: the desk fragment alone, status 200, the message's colour
class), holds from the record page and the holds page, textbooks for the year, class sets, and
another school's librarian who can neither lend, return nor renew our copies nor see our readers.

Readers are INSERTed into `patrons` directly (the readers module is built in parallel); records
and copies go through the catalogue's API. Librarians: thuthu.th001 (TH001), thuthu.thcs001
(THCS001, the other school).
"""
import datetime
import unicodedata

import harness as h

srv = None
fx = {}


def fold(s):
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in s if not unicodedata.combining(c)).lower()


def exec_sql(query):
    """Write to the database under test (srv.sql is read-only)."""
    h.sql_write(srv, query)

def patron(unit_code, code, name, kind="student", cls="6A1", status="active", note=""):
    unit = srv.unit(unit_code)["id"]
    exec_sql("INSERT INTO patrons (unit_id, code, full_name, name_fold, kind, class_name, status, status_note,"
             " created_at, updated_at) VALUES (%d, %s, %s, %s, %s, %s, %s, %s, 1, 1)"
             % (unit, h.sql_str(code), h.sql_str(name), h.sql_str(fold(name)), h.sql_str(kind), h.sql_str(cls),
                h.sql_str(status), h.sql_str(note)))


def book(c, title, doc_type, copies, prefix):
    """A record with copies; the copies get barcodes of their own (prefix-1, ...) so that no
    other school has the same code. Returns (record id, [barcodes])."""
    r = h.expect_status(c.post("/catalog", {"title": title, "doc_type": doc_type, "copies": str(copies),
                                            "authors": "Tô Hoài"}), 201)
    bid = r.json()["biblio"]["id"]
    ids = [row["id"] for row in srv.sql("SELECT id FROM items WHERE biblio_id = %d ORDER BY id" % bid)]
    codes = []
    for i, iid in enumerate(ids):
        code = "%s-%d" % (prefix, i + 1)
        exec_sql("UPDATE items SET barcode = %s WHERE id = %d" % (h.sql_str(code), iid))
        codes.append(code)
    return bid, codes


def today(days=0):
    vn = datetime.datetime.utcnow() + datetime.timedelta(hours=7)
    return (vn.date() + datetime.timedelta(days=days)).isoformat()


def setup_module():
    global srv
    srv = h.Server().start()
    lib = h.logged_in(srv, "thuthu.th001")
    fx["lib"] = lib
    fx["other"] = h.logged_in(srv, "thuthu.thcs001")
    fx["stk_bib"], fx["stk"] = book(lib, "Đất rừng phương Nam", "STK", 6, "DRPN")
    fx["bao_bib"], fx["bao"] = book(lib, "Báo Nhi Đồng", "BAO", 1, "BAO")
    fx["tn_bib"], fx["tn"] = book(lib, "Dế Mèn phiêu lưu ký", "TN", 2, "DEMEN")
    fx["sgk_bib"], fx["sgk"] = book(lib, "Tiếng Việt 2", "SGK", 3, "TV2")
    fx["set_bib"], fx["set"] = book(lib, "Truyện đọc lớp 2", "TN", 4, "TD2")
    fx["x_bib"], fx["x"] = book(fx["other"], "Sách của trường khác", "STK", 1, "KHAC")
    patron("TH001", "HS001", "Nguyễn Văn An")
    patron("TH001", "HS002", "Trần Thị Bình")
    patron("TH001", "HS003", "Lê Văn Khoá", status="blocked", note="Làm mất sách chưa đền")
    patron("TH001", "HS004", "Phạm Thị Ra Trường", cls="", status="graduated")
    patron("TH001", "HS005", "Đỗ Văn Chuyển", cls="", status="left")
    patron("TH001", "HS006", "Vũ Thị Hà")
    patron("TH001", "GV001", "Cô Nguyễn Thị Lan", kind="teacher", cls="")
    patron("TH001", "HS201", "Cao Văn Cường", cls="2A1")
    patron("TH001", "HS202", "Bùi Thị Ánh", cls="2A1")
    patron("THCS001", "K001", "Học sinh trường khác")


def teardown_module():
    srv.stop()


def loans_count():
    return srv.sql_value("SELECT COUNT(*) AS n FROM loans")


def checkout(c, p, item, **kw):
    f = {"patron": p, "item": item}
    f.update(kw)
    return c.post("/circ/checkout", f)


def refused(r, status, key, *words):
    h.expect_status(r, status)
    j = r.json()
    assert j["ok"] is False and j["key"] == key, j
    for w in words:
        assert w in j["message"], (w, j["message"])
    return j


# --- the API ---------------------------------------------------------------------------------------

def test_checkout_renew_return_json():
    c = fx["lib"]
    r = h.expect_status(checkout(c, "HS001", fx["stk"][0]), 200)
    j = r.json()
    assert j["ok"] is True and j["key"] == "circ.ok.checkout" and j["level"] == "ok", j
    assert j["loan"]["barcode"] == fx["stk"][0] and j["loan"]["title"] == "Đất rừng phương Nam"
    assert j["patron"]["code"] == "HS001"
    due = j["loan"]["due"]
    assert due > today(), due
    assert j["loan"]["due_vn"] == "%s/%s/%s" % (due[8:10], due[5:7], due[:4])
    assert "Nguyễn Văn An (6A1)" in j["message"] and j["loan"]["due_vn"] in j["message"]
    item = srv.sql("SELECT status FROM items WHERE barcode = %s" % h.sql_str(fx["stk"][0]))[0]
    assert item["status"] == "on_loan"
    assert srv.audit("action = 'circ.checkout'"), "no audit row for the loan"
    # Renew once (students: one renewal), then refused with the count.
    r = h.expect_status(c.post("/circ/renew", {"item": fx["stk"][0]}), 200)
    assert r.json()["key"] == "circ.ok.renew" and r.json()["loan"]["renewals"] == 1
    refused(c.post("/circ/renew", {"item": fx["stk"][0]}), 409, "err.circ.renew_max", "1/1")
    # Return (a scanner's line end around the code is no matter).
    r = h.expect_status(c.post("/circ/return", {"item": " %s\r\n" % fx["stk"][0]}), 200)
    j = r.json()
    assert j["key"] == "circ.ok.return" and j["patron"]["code"] == "HS001", j
    assert srv.sql("SELECT status FROM items WHERE barcode = %s" % h.sql_str(fx["stk"][0]))[0]["status"] == "available"
    refused(c.post("/circ/return", {"item": fx["stk"][0]}), 409, "err.circ.not_on_loan", "Đất rừng phương Nam")
    refused(c.post("/circ/renew", {"item": fx["stk"][0]}), 409, "err.circ.not_on_loan")


# Refusals that need no setup: (patron, item, more fields, status, key, words of the message).
# Each runs as JSON and as a browser's form post; {x} names a fixture's barcode.
REFUSALS = [
    ("KHONGCO", "{stk1}", {}, 404, "err.circ.patron_notfound", ()),
    ("K001", "{stk1}", {}, 404, "err.circ.patron_notfound", ()),          # another school's reader
    ("HS003", "{stk1}", {}, 409, "err.circ.patron_blocked", ("Lê Văn Khoá", "Làm mất sách chưa đền")),
    ("HS004", "{stk1}", {}, 409, "err.circ.patron_graduated", ("Phạm Thị Ra Trường", "ra trường")),
    ("HS005", "{stk1}", {}, 409, "err.circ.patron_left", ("Đỗ Văn Chuyển",)),
    ("HS001", "KHONGCO-1", {}, 404, "err.circ.item_notfound", ("KHONGCO-1",)),
    ("HS001", "{x0}", {}, 404, "err.circ.item_notfound", ()),             # another school's copy
    ("HS001", "{bao0}", {}, 409, "err.circ.not_loanable", ("Báo Nhi Đồng", "chỉ đọc tại chỗ")),
    ("HS001", "{stk1}", {"kind": "loan"}, 400, "err.circ.loan_kind", ()),
    ("HS001", "{stk1}", {"due": "2020-01-01"}, 400, "err.circ.due", ()),
    ("HS001", "{stk1}", {"due": "31/12/2026"}, 400, "err.circ.due", ()),
    ("", "{stk1}", {}, 400, "err.circ.patron_missing", ()),
    ("HS001", "", {}, 400, "err.circ.item_missing", ()),
    ("HS001", "{set0}", {"kind": "class_set"}, 409, "err.circ.classset_teacher", ("Nguyễn Văn An",)),
    ("HS001", "{stk1}", {"kind": "textbook"}, 409, "err.circ.textbook_type", ("Đất rừng phương Nam",)),
]


def fill(code):
    return code.format(stk1=fx["stk"][1], x0=fx["x"][0], bao0=fx["bao"][0], set0=fx["set"][0])


def test_refusals_json_and_html():
    c = fx["lib"]
    b = h.Client(srv, json=False)
    b.login_form("thuthu.th001")
    before = loans_count()
    for p, item, more, status, key, words in REFUSALS:
        f = {"patron": p, "item": fill(item)}
        f.update(more)
        refused(c.post("/circ/checkout", f), status, key, *words)
        r = b.post("/circ/checkout", f)
        assert r.status == status, (f, r.status)
        assert 'class="circ-msg refused"' in r.text and 'data-key="%s"' % key in r.text, (f, r.text[:300])
        for w in words:
            assert h.in_html(w, r.text), (w, f)
        assert not h.untranslated(r.text)
    # A copy not lendable by its status.
    exec_sql("UPDATE items SET status = 'lost' WHERE barcode = %s" % h.sql_str(fx["stk"][5]))
    refused(checkout(c, "HS001", fx["stk"][5]), 409, "err.circ.item_status", "Mất")
    exec_sql("UPDATE items SET status = 'withdrawn' WHERE barcode = %s" % h.sql_str(fx["stk"][5]))
    refused(checkout(c, "HS001", fx["stk"][5]), 409, "err.circ.item_status", "Đã thanh lọc")
    exec_sql("UPDATE items SET status = 'available' WHERE barcode = %s" % h.sql_str(fx["stk"][5]))
    assert loans_count() == before, "a refusal wrote a loan"
    # On loan: to this reader, to another (with the holder and the due date).
    h.expect_status(checkout(c, "HS001", fx["stk"][1]), 200)
    refused(checkout(c, "HS001", fx["stk"][1]), 409, "err.circ.on_loan_same")
    j = refused(checkout(c, "HS002", fx["stk"][1]), 409, "err.circ.on_loan_other", "Nguyễn Văn An (6A1)")
    # The limit: 3 reference books.
    h.expect_status(checkout(c, "HS001", fx["stk"][2]), 200)
    h.expect_status(checkout(c, "HS001", fx["stk"][3]), 200)
    refused(checkout(c, "HS001", fx["stk"][4]), 409, "err.circ.limit", "3/3", "Sách tham khảo")
    for f, key, word in ((("HS001", fx["stk"][4]), "err.circ.limit", "đã mượn 3/3 Sách tham khảo"),
                         (("HS002", fx["stk"][1]), "err.circ.on_loan_other", "Nguyễn Văn An (6A1)")):
        r = h.expect_status(b.post("/circ/checkout", {"patron": f[0], "item": f[1]}), 409)
        assert 'data-key="%s"' % key in r.text and h.in_html(word, r.text), r.text[:300]
    # Overdue: a copy past due blocks the reader.
    exec_sql("UPDATE loans SET due = %s WHERE returned_at IS NULL AND item_id = (SELECT id FROM items WHERE barcode = %s)"
             % (h.sql_str(today(-2)), h.sql_str(fx["stk"][3])))
    refused(checkout(c, "HS001", fx["tn"][0]), 409, "err.circ.patron_overdue", "1")
    r = h.expect_status(c.post("/circ/return", {"item": fx["stk"][3]}), 200)
    assert r.json()["key"] == "circ.notice.return_late" and r.json()["level"] == "notice"
    assert "2 ngày" in r.json()["message"]
    for b in fx["stk"][1:3]:
        h.expect_status(c.post("/circ/return", {"item": b}), 200)


def test_not_librarian():
    for user in ("bgh.th001", "bandoc.th001"):
        c = h.logged_in(srv, user)
        h.expect_status(checkout(c, "HS001", fx["stk"][4]), 403)
        h.expect_status(c.post("/circ/return", {"item": fx["stk"][4]}), 403)
        h.expect_status(c.get("/circ"), 403)
    anon = h.Client(srv)
    h.expect_status(anon.post("/circ/checkout", {"patron": "HS001", "item": fx["stk"][4]}, csrf=False), 401, 403)


def test_other_school():
    c, o = fx["lib"], fx["other"]
    h.expect_status(checkout(c, "HS002", fx["tn"][1]), 200)
    before = loans_count()
    refused(checkout(o, "K001", fx["tn"][0]), 404, "err.circ.item_notfound")
    refused(checkout(o, "HS002", fx["x"][0]), 404, "err.circ.patron_notfound")
    refused(o.post("/circ/return", {"item": fx["tn"][1]}), 404, "err.circ.item_notfound")
    refused(o.post("/circ/renew", {"item": fx["tn"][1]}), 404, "err.circ.item_notfound")
    r = h.expect_status(o.get("/circ?patron=HS002"), 404)
    assert "Trần Thị Bình" not in r.text
    r = h.expect_status(o.get("/circ?q=binh"), 200)
    assert "Trần Thị Bình" not in r.text and r.json().get("matches") == []
    h.expect_status(o.post("/catalog/%d/hold" % fx["tn_bib"], {"patron": "K001"}), 404)
    assert loans_count() == before
    assert srv.sql_value("SELECT COUNT(*) AS n FROM loans WHERE returned_at IS NULL AND patron_id ="
                         " (SELECT id FROM patrons WHERE code = 'HS002')") == 1
    h.expect_status(c.post("/circ/return", {"item": fx["tn"][1]}), 200)


# --- the desk page ---------------------------------------------------------------------------------

def test_desk_page_without_javascript():
    b = h.Client(srv, json=False)
    b.login_form("thuthu.th001")
    r = h.expect_status(b.get("/circ"), 200)
    assert 'id="circ-code"' in r.text and "autofocus" in r.text and 'href="/circ"' in r.text
    assert h.in_html("Mượn trả", r.text)
    # A card: the reader is loaded.
    r = h.expect_status(b.post("/circ", {"code": "HS006", "patron": ""}), 200)
    assert h.in_html("Vũ Thị Hà", r.text) and 'value="HS006"' in r.text
    # A copy with the reader loaded: lent; the message in green, the loan listed.
    r = h.expect_status(b.post("/circ", {"code": " %s\r" % fx["tn"][0], "patron": "HS006"}), 200)
    assert 'class="circ-msg ok"' in r.text and h.in_html("Dế Mèn phiêu lưu ký", r.text)
    assert fx["tn"][0] in r.text.split('id="circ-loans"')[1]
    # A refusal re-renders the page with its status and the red message.
    r = h.expect_status(b.post("/circ", {"code": fx["bao"][0], "patron": "HS006"}), 409)
    assert 'class="circ-msg refused"' in r.text and h.in_html("đọc tại chỗ", r.text)
    assert h.in_html("Vũ Thị Hà", r.text), "the reader stays loaded after a refusal"
    # A copy with no reader: returned.
    r = h.expect_status(b.post("/circ", {"code": fx["tn"][0], "patron": ""}), 200)
    assert 'class="circ-msg ok"' in r.text and h.in_html("Đã nhận trả", r.text)
    # A name: the matches.
    r = h.expect_status(b.post("/circ", {"code": "tran binh", "patron": ""}), 200)
    assert 'id="circ-matches"' in r.text and h.in_html("Trần Thị Bình", r.text)
    # Neither: 404 with the message.
    r = h.expect_status(b.post("/circ", {"code": "ZZZ-999", "patron": ""}), 404)
    assert h.in_html("ZZZ-999", r.text) and 'class="circ-msg refused"' in r.text
    assert not h.untranslated(r.text)
    # English.
    b.post("/lang", {"lang": "en", "back": "/circ"})
    r = h.expect_status(b.post("/circ", {"code": fx["bao"][0], "patron": "HS006"}), 409)
    assert h.in_html("is for use in the library only", r.text)
    b.post("/lang", {"lang": "vi", "back": "/circ"})   # the account keeps its language


def test_desk_htmx():
    b = h.Client(srv, json=False)
    b.login_form("thuthu.th001")
    hx = {"HX-Request": "true", "X-CSRF-Token": b.csrf}
    r = h.expect_status(b.post("/circ", {"code": "HS002", "patron": ""}, headers=hx, csrf=False), 200)
    assert r.text.lstrip().startswith('<div id="desk">') and "<html" not in r.text
    assert h.in_html("Trần Thị Bình", r.text)
    r = h.expect_status(b.post("/circ", {"code": fx["stk"][4], "patron": "HS002"}, headers=hx, csrf=False), 200)
    assert 'class="circ-msg ok"' in r.text and "<html" not in r.text
    assert 'name="patron" value="HS002"' in r.text, "the reader stays loaded for the next scan"
    # A refusal through htmx: still 200 (htmx swaps only 2xx), red.
    r = h.expect_status(b.post("/circ/checkout", {"patron": "HS003", "item": fx["stk"][5]}, headers=hx, csrf=False), 200)
    assert 'class="circ-msg refused"' in r.text and h.in_html("Làm mất sách chưa đền", r.text)
    # Renew from the loan list, then return from it: the list follows.
    r = h.expect_status(b.post("/circ/renew", {"item": fx["stk"][4], "patron": "HS002"}, headers=hx, csrf=False), 200)
    assert 'class="circ-msg ok"' in r.text and h.in_html("Đã gia hạn", r.text)
    r = h.expect_status(b.post("/circ/renew_all", {"patron": "HS002"}, headers=hx, csrf=False), 200)
    assert 'circ-msg' in r.text and h.in_html("gia hạn 1/1 lần", r.text)
    r = h.expect_status(b.post("/circ/return", {"item": fx["stk"][4], "patron": "HS002"}, headers=hx, csrf=False), 200)
    assert h.in_html("Đã nhận trả", r.text) and fx["stk"][4] not in r.text.split('id="circ-loans"')[1]
    # Without the token: refused.
    h.expect_status(b.post("/circ", {"code": "HS002"}, headers={"HX-Request": "true"}, csrf=False), 403)


def test_renew_all_json():
    c = fx["lib"]
    h.expect_status(checkout(c, "GV001", fx["stk"][4]), 200)
    h.expect_status(checkout(c, "GV001", fx["tn"][0]), 200)
    r = h.expect_status(c.post("/circ/renew_all", {"patron": "GV001"}), 200)
    j = r.json()
    assert j["renewed"] == 2 and j["refused"] == 0, j
    h.expect_status(c.post("/circ/renew_all", {"patron": "KHONGCO"}), 404)
    for b in (fx["stk"][4], fx["tn"][0]):
        h.expect_status(c.post("/circ/return", {"item": b}), 200)


def test_library_use():
    """The desk counts an in-library use through the in-library page's form (one implementation:
    src/circ/inlib.c, tested in test_overdue.py): a scanned copy is one use, no loan is made."""
    c = fx["lib"]
    before = srv.sql_value("SELECT COALESCE(SUM(count), 0) AS n FROM library_uses")
    loans = srv.sql_value("SELECT COUNT(*) FROM loans")
    b = h.Client(srv, json=False)
    b.login_form("thuthu.th001")
    r = h.expect_status(b.get("/circ"), 200)
    assert 'action="/circ/inlibrary"' in r.text and 'href="/circ/inlibrary"' in r.text
    h.expect_redirect(b.post("/circ/inlibrary", {"item": fx["bao"][0]}), "/circ/inlibrary?ok=1")
    h.expect_status(c.post("/circ/inlibrary", {"item": fx["bao"][0]}), 201)
    h.expect_error(fx["other"].post("/circ/inlibrary", {"item": fx["bao"][0]}), 404)
    assert srv.sql_value("SELECT COALESCE(SUM(count), 0) AS n FROM library_uses") == before + 2
    assert srv.sql_value("SELECT COUNT(*) FROM loans") == loans
    assert srv.sql_value("SELECT status FROM items WHERE barcode = '%s'" % fx["bao"][0]) == "available"


# --- holds -----------------------------------------------------------------------------------------

def test_holds():
    c = fx["lib"]
    # Copies on the shelf: no hold.
    refused(c.post("/catalog/%d/hold" % fx["tn_bib"], {"patron": "HS002"}), 409, "err.circ.hold_on_shelf",
            "sách đang có trên giá")
    h.expect_status(checkout(c, "HS001", fx["tn"][0]), 200)
    h.expect_status(checkout(c, "HS006", fx["tn"][1]), 200)
    r = h.expect_status(c.post("/catalog/%d/hold" % fx["tn_bib"], {"patron": "HS002"}), 200)
    assert r.json()["position"] == 1 and r.json()["key"] == "circ.ok.hold"
    r = h.expect_status(c.post("/circ/holds", {"biblio": str(fx["tn_bib"]), "patron": "GV001"}), 200)
    assert r.json()["position"] == 2
    refused(c.post("/catalog/%d/hold" % fx["tn_bib"], {"patron": "HS002"}), 409, "err.circ.hold_dup")
    refused(c.post("/catalog/%d/hold" % fx["tn_bib"], {"patron": "HS001"}), 409, "err.circ.hold_has")
    refused(c.post("/catalog/%d/hold" % fx["sgk_bib"], {"patron": "HS002"}), 409, "err.circ.hold_not_allowed")  # SGK: no holds for students
    h.expect_status(c.post("/catalog/999999/hold", {"patron": "HS002"}), 404)
    # The holds page.
    r = h.expect_status(c.get("/circ/holds?biblio=%d" % fx["tn_bib"]), 200)
    hs = r.json()["holds"]
    assert [x["patron_code"] for x in hs] == ["HS002", "GV001"] and hs[0]["position"] == 1
    # Renewing HS001's copy is refused: others wait.
    refused(c.post("/circ/renew", {"item": fx["tn"][0]}), 409, "err.circ.renew_held")
    # Return: kept for HS002.
    r = h.expect_status(c.post("/circ/return", {"item": fx["tn"][0]}), 200)
    j = r.json()
    assert j["key"] == "circ.notice.return_hold" and j["level"] == "notice" and "Trần Thị Bình (6A1)" in j["message"]
    refused(checkout(c, "GV001", fx["tn"][0]), 409, "err.circ.held_for_other", "Trần Thị Bình")
    r = h.expect_status(checkout(c, "HS002", fx["tn"][0]), 200)
    assert r.json()["key"] == "circ.ok.checkout_hold"
    # GV001's hold: cancel it from the page (browser), then it is gone.
    b = h.Client(srv, json=False)
    b.login_form("thuthu.th001")
    page = h.expect_status(b.get("/circ/holds"), 200)
    assert h.in_html("Cô Nguyễn Thị Lan", page.text)
    hold = srv.sql("SELECT id FROM holds WHERE status = 'waiting'")[0]["id"]
    h.expect_status(fx["other"].post("/circ/holds/%d/cancel" % hold, {}), 404)
    h.expect_redirect(b.post("/circ/holds/%d/cancel" % hold, {}), "/circ/holds?ok=cancelled")
    assert srv.sql("SELECT status FROM holds WHERE id = %d" % hold)[0]["status"] == "cancelled"
    h.expect_status(c.post("/circ/holds/%d/cancel" % hold, {}), 409)
    for x in (fx["tn"][0], fx["tn"][1]):
        h.expect_status(c.post("/circ/return", {"item": x}), 200)


# --- textbooks and class sets -----------------------------------------------------------------------

def test_textbooks():
    c = fx["lib"]
    r = h.expect_status(c.get("/circ/textbooks"), 200)
    assert "2A1" in [x["name"] for x in r.json()["classes"]]
    r = h.expect_status(c.post("/circ/textbooks", {"class": "2A1", "item": fx["sgk"][0]}), 200)
    j = r.json()
    assert j["key"] == "circ.ok.textbook" and j["patron"]["code"] == "HS202", j   # Bùi Thị Ánh first by name
    assert j["loan"]["kind"] == "textbook" and j["loan"]["due"][5:] <= "05-31"
    r = h.expect_status(c.post("/circ/textbooks", {"class": "2A1", "item": fx["sgk"][1]}), 200)
    assert r.json()["patron"]["code"] == "HS201"
    refused(c.post("/circ/textbooks", {"class": "2A1", "item": fx["sgk"][2]}), 409, "err.circ.class_complete")
    refused(c.post("/circ/textbooks", {"class": "2A1", "item": fx["stk"][5]}), 409, "err.circ.textbook_type")
    refused(c.post("/circ/textbooks", {"class": "9Z9", "item": fx["sgk"][2]}), 404, "err.circ.class_notfound")
    refused(fx["other"].post("/circ/textbooks", {"class": "2A1", "item": fx["sgk"][2]}), 404, "err.circ.item_notfound")
    r = h.expect_status(c.get("/circ/textbooks?class=2A1"), 200)
    g = r.json()
    assert [t["title"] for t in g["titles"]] == ["Tiếng Việt 2"] and g["titles"][0]["missing"] == 0
    assert [s["code"] for s in g["students"]] == ["HS202", "HS201"]
    b = h.Client(srv, json=False)
    b.login_form("thuthu.th001")
    r = h.expect_status(b.get("/circ/textbooks?class=2A1"), 200)
    assert 'id="textbook-grid"' in r.text and h.in_html("Bùi Thị Ánh", r.text)
    r = h.expect_status(b.post("/circ/textbooks", {"class": "2A1", "item": fx["sgk"][2]},
                               headers={"HX-Request": "true"}), 200)
    assert r.text.lstrip().startswith('<div id="textbooks">') and 'circ-msg refused' in r.text


def test_class_set():
    c = fx["lib"]
    refused(c.post("/circ/classset", {"patron": "HS001", "item": fx["set"][0]}), 409, "err.circ.classset_teacher")
    for x in fx["set"]:
        r = h.expect_status(c.post("/circ/classset", {"patron": "GV001", "item": x}), 200)
        assert r.json()["loan"]["kind"] == "class_set"
    r = h.expect_status(c.get("/circ/classset?patron=GV001"), 200)
    assert len(r.json()["loans"]) == 4
    due = today(20)
    h.expect_status(c.post("/circ/return", {"item": fx["set"][0]}), 200)
    r = h.expect_status(c.post("/circ/classset", {"patron": "GV001", "item": fx["set"][0], "due": due}), 200)
    assert r.json()["loan"]["due"] == due


def test_concurrent_same_copy():
    """Eight desks lend one copy at once: exactly one loan."""
    import threading
    c = fx["lib"]
    who = ["HS001", "HS002", "HS006", "GV001", "HS201", "HS202", "HS001", "HS002"]
    results = []

    def go(p):
        results.append(checkout(c, p, fx["stk"][5]).status)

    ts = [threading.Thread(target=go, args=(p,)) for p in who]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert sorted(results) == [200] + [409] * 7, results
    assert srv.sql_value("SELECT COUNT(*) AS n FROM loans WHERE returned_at IS NULL AND item_id ="
                         " (SELECT id FROM items WHERE barcode = %s)" % h.sql_str(fx["stk"][5])) == 1
    h.expect_status(c.post("/circ/return", {"item": fx["stk"][5]}), 200)


def test_concurrent_desks_counts_add_up():
    """Six desks at once, each lending and taking back its own copies over three rounds: every
    action succeeds, loans = returns + open, and every copy's status agrees with its open loan."""
    import threading
    c = fx["lib"]
    desks = []
    for i in range(6):
        patron("TH001", "GVD%d" % i, "Giáo viên bàn %d" % i, kind="teacher", cls="")
        desks.append(("GVD%d" % i, book(c, "Sách bàn %d" % i, "TN", 3, "BAN%d" % i)[1]))
    before = srv.sql("SELECT COUNT(*) AS n, COUNT(returned_at) AS r FROM loans")[0]
    errors = []

    def desk(code, items):
        cl = h.logged_in(srv, "thuthu.th001")
        for rnd in range(3):
            for x in items:
                r = checkout(cl, code, x)
                if r.status != 200:
                    errors.append(("checkout", code, x, r.status, r.text[:200]))
            for x in items[(1 if rnd == 2 else 0):]:
                r = cl.post("/circ/return", {"item": x})
                if r.status != 200:
                    errors.append(("return", code, x, r.status, r.text[:200]))

    ts = [threading.Thread(target=desk, args=d) for d in desks]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors, errors[:5]
    after = srv.sql("SELECT COUNT(*) AS n, COUNT(returned_at) AS r FROM loans")[0]
    assert after["n"] - before["n"] == 6 * 3 * 3
    assert after["r"] - before["r"] == 6 * (3 * 3 - 1)
    bad = srv.sql("SELECT i.barcode FROM items i WHERE (i.status = 'on_loan') <> EXISTS"
                  " (SELECT 1 FROM loans l WHERE l.item_id = i.id AND l.returned_at IS NULL)")
    assert bad == [], bad
    for code, items in desks:
        h.expect_status(c.post("/circ/return", {"item": items[0]}), 200)


def test_registers_reconcile():
    """Last: what the registers rest on still holds after these scenarios (thuvien check)."""
    srv.check()
