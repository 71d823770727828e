"""test_edit.py: editing the catalogue over HTTP: the short form's edit of a record, the full
MARC21 form (a record's, a new record's, its row buttons), the MARC view, and a copy's edit.

Every route is tried with every role (the school's librarian writes; another school's librarian
gets 404; the principal and the district office read but get 403 on every write; a reader gets
403; nobody logged in is sent to log in), without a CSRF token (403), and with bad input (a bad
ISBN, a bad tag, 10,000 fields, a 5 MB field, a stale form): each refusal has a clear message and
leaves the database as it was.

Librarians: thuthu.th001 (TH001, whose records are edited), thuthu.thcs001 (THCS001, same
district), thuthu.lc001 (LC001, another district).
"""
import json as jsonlib
import re

import harness as h

srv = None
_clients = {}
fx = {}

CATALOG_TABLES = ["biblios", "items", "acquisitions", "accession_counters"]


def setup_module():
    global srv
    srv = h.Server().start()
    lib = client("thuthu.th001")
    r = lib.post("/catalog", {"title": "Tiếng Việt 5 tập một", "authors": "Nguyễn Minh Thuyết", "doc_type": "SGK",
                              "year": "2020", "publisher": "Giáo dục Việt Nam", "copies": "2", "price": "15000"})
    b = h.expect_status(r, 201).json()["biblio"]
    fx["bib"] = b["id"]
    fx["items"] = [c["id"] for c in b["copies"]]
    r = lib.post("/catalog", {"title": "Toán 5", "authors": "Đỗ Đình Hoan", "doc_type": "SGK", "year": "2020",
                              "isbn": "978-0-306-40615-7"})
    fx["other"] = h.expect_status(r, 201).json()["biblio"]["id"]


def teardown_module():
    srv.stop()


def client(username, json=True):
    key = (username, json)
    if key not in _clients:
        if json:
            _clients[key] = h.logged_in(srv, username)
        else:
            b = h.Client(srv, json=False)
            b.login_form(username)
            _clients[key] = b
    return _clients[key]


def snap():
    """units, accounts, audit (login traces aside) and the catalogue's tables, as srv.db_snapshot()."""
    return srv.db_snapshot(audit_ignore=("login.", "logout"), extra=CATALOG_TABLES)


def edit_form(bid, c=None):
    """The short form's values and version, as the edit page's JSON gives them."""
    j = h.expect_status((c or client("thuthu.th001")).get("/catalog/%d/edit" % bid), 200).json()
    f = dict(j["f"])
    f["version"] = str(j["version"])
    return f


def record(bid):
    return h.expect_status(client("thuthu.th001").get("/catalog/%d" % bid), 200).json()["biblio"]


def marc_rows(j):
    """The fields of a MARC form's JSON as the form's inputs."""
    f = {"leader": j["leader"], "version": str(j.get("version", 0))}
    for x in j["fields"]:
        i = x["i"]
        f["t%d" % i] = x["tag"]
        if x["control"]:
            f["d%d" % i] = x["data"]
            continue
        f["a%d" % i], f["b%d" % i] = x["ind1"], x["ind2"]
        for s in x["subs"]:
            f["c%d_%d" % (i, s["j"])] = s["code"]
            f["v%d_%d" % (i, s["j"])] = s["value"]
    return f


def hits(q, bid):
    j = h.expect_status(client("thuthu.th001").get("/catalog", query={"q": q}), 200).json()
    return [x["id"] for x in j["hits"]].count(bid)


# --- the short form ------------------------------------------------------------------------------

def test_short_edit_changes_the_record_and_its_search():
    bid = fx["bib"]
    f = edit_form(bid)
    assert f["title"] == "Tiếng Việt 5 tập một" and f["year"] == "2020" and f["doc_type"] == "SGK", f
    assert hits("tieng viet tap", bid) == 1
    f.update(title="Lịch sử và Địa lí 5", isbn="0-306-40615-2", place="Hà Nội")
    f["allow_duplicate"] = "1"    # Toán 5 has that ISBN
    r = client("thuthu.th001").post("/catalog/%d/edit" % bid, f)
    j = h.expect_status(r, 200).json()
    assert "title" in j["changes"] and "isbn" in j["changes"], j
    b = record(bid)
    assert (b["title"], b["isbn"], b["place"], b["publisher"]) == (
        "Lịch sử và Địa lí 5", "9780306406157", "Hà Nội", "Giáo dục Việt Nam"), b
    assert hits("tieng viet tap", bid) == 0, "the old title still finds the record"
    assert hits("lich su dia li", bid) == 1, "the new title, typed without marks, does not find it"
    rows = srv.sql("SELECT detail FROM audit WHERE action = 'biblio.edit' AND entity_id = %d" % bid)
    assert len(rows) == 1 and "Lịch sử và Địa lí 5" in rows[0]["detail"], rows


def test_short_edit_in_the_browser():
    bid = fx["bib"]
    b = client("thuthu.th001", json=False)
    page = h.expect_status(b.get("/catalog/%d/edit" % bid), 200).text
    assert 'name="version"' in page and 'name="csrf"' in page and h.in_html(record(bid)["title"], page)
    assert not h.untranslated(page), h.untranslated(page)
    f = edit_form(bid)
    f["summary"] = "Sách giáo khoa lớp 5 <b>mới</b>"
    r = b.post("/catalog/%d/edit" % bid, f)
    loc = h.expect_redirect(r)
    assert loc == "/catalog/%d?ok=edited_kept" % bid or loc == "/catalog/%d?ok=edited" % bid, loc
    page = h.expect_status(b.get(loc), 200).text
    assert h.in_html(h.vi("ok.biblio.edited"), page), "no notice after the edit"
    assert "/catalog/%d/edit" % bid in page and "/catalog/%d/marc" % bid in page, "no edit links on the record"
    assert "/items/%d/edit" % fx["items"][0] in page, "no edit link for a copy"


def test_doc_type_change_keeps_accession_numbers():
    bid = fx["bib"]
    before = [c["accession"] for c in record(bid)["copies"]]
    f = edit_form(bid)
    f["doc_type"] = "STK"
    j = h.expect_status(client("thuthu.th001").post("/catalog/%d/edit" % bid, f), 200).json()
    assert j["kept_accessions"] is True, j
    after = record(bid)
    assert after["doc_type"] == "STK" and [c["accession"] for c in after["copies"]] == before, after
    h.expect_redirect(client("thuthu.th001").post("/catalog/%d/copies" % bid, {"count": "1"}))
    assert record(bid)["copies"][-1]["accession"].startswith("STK-")
    f = edit_form(bid)
    f["doc_type"] = "SGK"
    h.expect_status(client("thuthu.th001").post("/catalog/%d/edit" % bid, f), 200)


def test_stale_form_is_refused_and_writes_nothing():
    bid = fx["bib"]
    f = edit_form(bid)
    g = dict(f)
    f["edition"] = "Tái bản lần 1"
    h.expect_status(client("thuthu.th001").post("/catalog/%d/edit" % bid, f), 200)
    before = snap()
    g["title"] = "Ghi đè của người thứ hai"
    h.expect_error(client("thuthu.th001").post("/catalog/%d/edit" % bid, g), 409, "err.biblio.stale")
    r = client("thuthu.th001", json=False).post("/catalog/%d/edit" % bid, g)
    h.expect_status(r, 409)
    assert h.in_html(h.vi("err.biblio.stale"), r.text), "the page does not say the form was stale"
    h.assert_unchanged(before, snap(), "a stale form")
    assert record(bid)["edition"] == "Tái bản lần 1"


def test_bad_input_on_the_short_form_changes_nothing():
    bid = fx["bib"]
    lib = client("thuthu.th001")
    before = snap()
    for change, code in (({"isbn": "978-0-306-40615-8"}, "err.isbn"), ({"title": "  "}, "err.biblio.title"),
                         ({"year": "99"}, "err.biblio.year"), ({"year": "năm"}, "err.number"),
                         ({"doc_type": "XYZ"}, "err.biblio.doc_type"), ({"language": "vi"}, "err.biblio.language"),
                         ({"title": "x" * 600}, "err.field.long"), ({"version": "abc"}, "err.number")):
        f = edit_form(bid)
        f.update(change)
        h.expect_error(lib.post("/catalog/%d/edit" % bid, f), 400, code)
    f = edit_form(bid)
    f["isbn"] = "978-0-306-40615-8"
    r = client("thuthu.th001", json=False).post("/catalog/%d/edit" % bid, f)
    h.expect_status(r, 400)
    assert h.in_html(h.vi("err.isbn"), r.text) and "978-0-306-40615-8" in r.text, "the form lost what was typed"
    # A change that makes it the same title as Toán 5: 409 with the other record, then allowed.
    f = edit_form(bid)
    f.update(title="Toán 5", authors="Đỗ Đình Hoan", year="2020", isbn="")
    e = h.expect_error(lib.post("/catalog/%d/edit" % bid, f), 409, "err.biblio.duplicate")
    assert e["duplicate_id"] == fx["other"], e
    h.assert_unchanged(before, snap(), "refused edits")


# --- who may -------------------------------------------------------------------------------------

def routes():
    bid, item = fx["bib"], fx["items"][0]
    return [
        ("GET", "/catalog/%d/edit" % bid, None),
        ("POST", "/catalog/%d/edit" % bid, lambda: dict(edit_form(bid), title="Sửa trái phép")),
        ("GET", "/catalog/%d/marc" % bid, None),
        ("POST", "/catalog/%d/marc" % bid, lambda: {"t0": "245", "a0": "0", "b0": "0", "c0_0": "a",
                                                      "v0_0": "Sửa trái phép", "version": edit_form(bid)["version"]}),
        ("POST", "/catalog/%d/marc" % bid, lambda: {"action": "add_field", "new_tag": "650"}),
        ("GET", "/catalog/new/marc", None),
        ("POST", "/catalog/new/marc", lambda: {"t0": "245", "a0": "0", "b0": "0", "c0_0": "a",
                                               "v0_0": "Sách trái phép", "doc_type": "STK"}),
        ("GET", "/items/%d/edit" % item, None),
        ("POST", "/items/%d/edit" % item, lambda: {"barcode": "TRAIPHEP1", "status": "lost"}),
    ]


def check_role(username, get_status, post_status, view_status):
    """Every route as username: GETs answer get_status, POSTs post_status, the MARC view
    view_status; nothing is written. Another school's librarian may open its own new-record form
    (its new records are its own: test_tenant.py's HOME_WRITES)."""
    c = client(username)
    before = snap()
    bad = []
    for method, path, fields in routes():
        want = get_status if method == "GET" else post_status
        if path == "/catalog/new/marc" and want == 404:
            if method == "POST":
                continue
            want = 200
        r = c.get(path) if method == "GET" else c.post(path, fields())
        if r.status != want:
            bad.append("%s %s as %s: %d, want %d: %s" % (method, path, username, r.status, want, r.text[:160]))
        elif want >= 400:
            h.expect_error(r, want)
    r = c.get("/catalog/%d/marc/view" % fx["bib"])
    if r.status != view_status:
        bad.append("GET marc/view as %s: %d, want %d" % (username, r.status, view_status))
    assert not bad, "\n".join(bad)
    h.assert_unchanged(before, snap(), "%s's refused writes" % username)


def test_another_schools_librarian_gets_not_found():
    for username in ("thuthu.thcs001", "thuthu.lc001"):
        check_role(username, 404, 404, 404)
    th = srv.unit("TH001")["id"]
    n = srv.sql_value("SELECT COUNT(*) FROM biblios WHERE unit_id = %d AND title LIKE '%%trái phép%%'" % th)
    assert n == 0, "another school's librarian changed TH001's catalogue"
    assert record(fx["bib"])["title"] != "Sửa trái phép"


def test_principal_and_office_read_only():
    check_role("bgh.th001", 403, 403, 200)
    check_role("phong1.chuyenvien", 403, 403, 200)
    check_role("quantri.th001", 403, 403, 200)


def test_reader_refused():
    check_role("bandoc.th001", 403, 403, 403)


def test_anonymous_sent_to_log_in():
    c = h.Client(srv)
    b = h.Client(srv, json=False)
    for method, path, fields in routes() + [("GET", "/catalog/%d/marc/view" % fx["bib"], None)]:
        if method == "GET":
            h.expect_error(c.get(path), 401)
            r = b.get(path)
            assert r.status == 303 and r.header("Location", "").startswith("/login"), (path, r.status)
        else:
            assert c.post(path, fields()).status in (401, 403), path


def test_missing_csrf_is_refused():
    c = client("thuthu.th001")
    before = snap()
    for method, path, fields in routes():
        if method == "POST":
            h.expect_error(c.post(path, fields(), csrf=False), 403)
            h.expect_error(c.post(path, fields(), csrf="x" * 43), 403)
    h.assert_unchanged(before, snap(), "POSTs without a CSRF token")


# --- the MARC form -------------------------------------------------------------------------------

def test_marc_edit_saves_and_shows_in_the_view():
    bid = fx["bib"]
    lib = client("thuthu.th001")
    j = h.expect_status(lib.get("/catalog/%d/marc" % bid), 200).json()
    tags = [x["tag"] for x in j["fields"]]
    assert "245" in tags and "008" in tags and len(j["leader"]) == 24, j
    f245 = next(x for x in j["fields"] if x["tag"] == "245")
    assert f245["name"] == h.vi("marc.tag.245"), f245
    f = marc_rows(j)
    i = f245["i"]
    f["v%d_0" % i] = "Nhan đề sửa bằng MARC"
    # A new field, 500 (a note), and a subfield of 245 ($c).
    n = len(j["fields"])
    f.update({"t%d" % n: "500", "a%d" % n: "", "b%d" % n: "#", "c%d_0" % n: "a", "v%d_0" % n: "Phụ chú thử"})
    f["c%d_9" % i] = "c"
    f["v%d_9" % i] = "Nhóm tác giả."
    r = lib.post("/catalog/%d/marc" % bid, f)
    out = h.expect_status(r, 200).json()
    assert "245" in out["changes"] and "500" in out["changes"], out
    assert record(bid)["title"] == "Nhan đề sửa bằng MARC"
    assert hits("nhan de sua bang marc", bid) == 1
    v = h.expect_status(client("bgh.th001").get("/catalog/%d/marc/view" % bid), 200).json()
    assert "245 00 $a Nhan đề sửa bằng MARC $c Nhóm tác giả." in v["lines"], v["lines"]
    assert "500 ## $a Phụ chú thử" in v["lines"], v["lines"]
    assert v["stored"] is True
    # The short form now writes into the stored MARC record.
    g = edit_form(bid)
    g["title"] = "Nhan đề từ mẫu ngắn"
    h.expect_status(lib.post("/catalog/%d/edit" % bid, g), 200)
    v = h.expect_status(lib.get("/catalog/%d/marc/view" % bid), 200).json()
    assert "245 00 $a Nhan đề từ mẫu ngắn $c Nhóm tác giả." in v["lines"], v["lines"]
    assert "500 ## $a Phụ chú thử" in v["lines"]
    # The view in a browser: the line format, the names, escaped.
    page = h.expect_status(client("thuthu.th001", json=False).get("/catalog/%d/marc/view" % bid), 200).text
    assert h.in_html("245 00 $a Nhan đề từ mẫu ngắn", page) and not h.untranslated(page)


def test_marc_form_rows_without_javascript():
    bid = fx["bib"]
    b = client("thuthu.th001", json=False)
    page = h.expect_status(b.get("/catalog/%d/marc" % bid), 200).text
    assert 'name="action" value="add_field"' in page and 'name="t0"' in page and 'name="csrf"' in page
    assert h.in_html(h.vi("marc.tag.245"), page), "no Vietnamese name for 245"
    assert not h.untranslated(page), h.untranslated(page)
    j = h.expect_status(client("thuthu.th001").get("/catalog/%d/marc" % bid), 200).json()
    before = snap()
    f = marc_rows(j)
    lib = client("thuthu.th001")
    # add_field puts an empty 650 after the last field with a tag not above 650.
    f.update(action="add_field", new_tag="650")
    k = h.expect_status(lib.post("/catalog/%d/marc" % bid, f), 200).json()
    tags = [x["tag"] for x in k["fields"]]
    assert len(tags) == len(j["fields"]) + 1 and "650" in tags, tags
    assert tags == sorted(tags) or tags.index("650") > tags.index("500"), tags
    assert k["fields"][tags.index("650")]["subs"][0]["value"] == ""
    # add_sub and del_field, on the record as sent back.
    g = marc_rows(k)
    i245 = tags.index("245")
    g["action"] = "add_sub.%d" % i245
    m = h.expect_status(lib.post("/catalog/%d/marc" % bid, g), 200).json()
    assert len(m["fields"][i245]["subs"]) == len(k["fields"][i245]["subs"]) + 1
    g["action"] = "del_field.%d" % tags.index("650")
    m = h.expect_status(lib.post("/catalog/%d/marc" % bid, g), 200).json()
    assert [x["tag"] for x in m["fields"]] == [x["tag"] for x in j["fields"]]
    h.assert_unchanged(before, snap(), "row buttons")
    # In the browser the re-rendered form has the new row.
    f["action"] = "add_field"
    page = h.expect_status(b.post("/catalog/%d/marc" % bid, f), 200).text
    assert 'value="650"' in page


def test_marc_bad_input_is_refused_clearly():
    bid = fx["bib"]
    lib = client("thuthu.th001")
    j = h.expect_status(lib.get("/catalog/%d/marc" % bid), 200).json()
    base = marc_rows(j)
    n = len(j["fields"])
    before = snap()
    cases = [
        ({"t%d" % n: "24x", "c%d_0" % n: "a", "v%d_0" % n: "x"}, "err.marc.edit.tag"),
        ({"t%d" % n: "650", "a%d" % n: "AB", "c%d_0" % n: "a", "v%d_0" % n: "x"}, "err.marc.edit.indicator"),
        ({"t%d" % n: "650", "c%d_0" % n: "$", "v%d_0" % n: "x"}, "err.marc.edit.code"),
        ({"t%d" % n: "005", "d%d" % n: "", "c%d_0" % n: "a", "v%d_0" % n: "x"}, "err.marc.edit.control_subfields"),
        ({"leader": "ngắn"}, "err.marc.edit.leader"),
        ({"t%d" % n: "500", "c%d_0" % n: "a", "v%d_0" % n: "x" * 20000}, "err.marc.edit.field_long"),
    ]
    for extra, code in cases:
        f = dict(base)
        f.update(extra)
        e = h.expect_error(lib.post("/catalog/%d/marc" % bid, f), 400, code)
        assert e["issues"] and e["issues"][0]["code"] == code, e
    # No 245.
    f = {k: v for k, v in base.items() if not re.fullmatch(r"[tabdcv]%d(_\d+)?" % next(
        x["i"] for x in j["fields"] if x["tag"] == "245"), k)}
    e = h.expect_error(lib.post("/catalog/%d/marc" % bid, f), 400, "err.marc.edit.no_245")
    # Too many fields for a record (1,200: the form takes them, the record does not).
    f = dict(base)
    for i in range(n, n + 1200):
        f.update({"t%d" % i: "653", "c%d_0" % i: "a", "v%d_0" % i: "k"})
    h.expect_error(lib.post("/catalog/%d/marc" % bid, f), 400, "err.marc.edit.too_many")
    # 10,000 fields: more than a form may send.
    f = dict(base)
    for i in range(n, n + 10000):
        f.update({"t%d" % i: "653", "c%d_0" % i: "a", "v%d_0" % i: "k"})
    h.expect_error(lib.post("/catalog/%d/marc" % bid, f), 400, "err.form.fields")
    # A 5 MB field: more than a request may send; answered 413 from the headers, before the body.
    f = dict(base, csrf=lib.csrf)
    f.update({"t%d" % n: "520", "c%d_0" % n: "a", "v%d_0" % n: "x" * (5 << 20)})
    body = h.form_encode(list(f.items()))
    head = ("POST /catalog/%d/marc HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nCookie: %s\r\nContent-Length: %d\r\n\r\n"
            % (bid, "; ".join("%s=%s" % kv for kv in lib.cookies.items()), len(body))).encode()
    r = h.raw(srv, [head] + [body[i:i + 65536] for i in range(0, 1 << 20, 65536)], pause=0.01)
    assert r.status == 413, r
    assert jsonlib.loads(r.body.decode())["error"]["code"] == "err.body_too_big", r
    # In a browser: the form again, the row marked, the message in Vietnamese.
    f = dict(base)
    f.update(cases[0][0])
    r = client("thuthu.th001", json=False).post("/catalog/%d/marc" % bid, f)
    h.expect_status(r, 400)
    assert h.in_html(h.vi("err.marc.edit.tag"), r.text) and 'value="24x"' in r.text
    # A stale MARC form.
    f = dict(base)
    f["version"] = "1"
    h.expect_error(lib.post("/catalog/%d/marc" % bid, f), 409, "err.biblio.stale")
    h.assert_unchanged(before, snap(), "refused MARC forms")
    h.assert_healthy(srv)


def test_new_record_in_full():
    lib = client("thuthu.th001")
    j = h.expect_status(lib.get("/catalog/new/marc"), 200).json()
    assert [x["tag"] for x in j["fields"]] == ["008", "245"], j
    assert re.fullmatch(r"\d{6} {29}vie  ", j["fields"][0]["data"]), j["fields"][0]   # date entered, language
    f = marc_rows(j)
    f.update({"v1_0": "Dế Mèn phiêu lưu ký /", "v1_1": "Tô Hoài.", "doc_type": "TN", "copies": "2",
              "t2": "100", "a2": "1", "c2_0": "a", "v2_0": "Tô Hoài,", "c2_1": "d", "v2_1": "1920-2014.",
              "t3": "260", "c3_0": "a", "v3_0": "Hà Nội :", "c3_1": "b", "v3_1": "Kim Đồng,", "c3_2": "c",
              "v3_2": "2019."})
    r = lib.post("/catalog/new/marc", f)
    bid = h.expect_status(r, 201).json()["id"]
    b = record(bid)
    assert (b["title"], b["authors"], b["publisher"], b["year"], b["doc_type"], b["ncopies"]) == (
        "Dế Mèn phiêu lưu ký", "Tô Hoài", "Kim Đồng", 2019, "TN", 2), b
    assert hits("de men phieu luu", bid) == 1
    assert srv.sql_value("SELECT COUNT(*) FROM audit WHERE action = 'biblio.create' AND entity_id = %d" % bid) == 1
    # The browser: 303 to the MARC view.
    bb = client("thuthu.th001", json=False)
    page = h.expect_status(bb.get("/catalog/new/marc"), 200).text
    assert 'action="/catalog/new/marc"' in page and not h.untranslated(page)
    f["v1_0"] = "Truyện Kiều"
    loc = h.expect_redirect(bb.post("/catalog/new/marc", f))
    assert re.fullmatch(r"/catalog/\d+/marc/view\?ok=marc", loc), loc


# --- copies --------------------------------------------------------------------------------------

def test_copy_edit():
    lib = client("thuthu.th001")
    item, other = fx["items"]
    j = h.expect_status(lib.get("/items/%d/edit" % item), 200).json()
    assert j["barcode"] and j["status"] == "available", j
    r = lib.post("/items/%d/edit" % item, {"barcode": "TV5-0001", "location": "Kho mở, giá 2", "price": "21000",
                                           "note": "Bìa rách", "status": "damaged"})
    it = h.expect_status(r, 200).json()["item"]
    assert (it["barcode"], it["location"], it["price"], it["status"], it["note"]) == (
        "TV5-0001", "Kho mở, giá 2", 21000, "damaged", "Bìa rách"), it
    assert any(c["barcode"] == "TV5-0001" for c in record(fx["bib"])["copies"])
    assert srv.sql_value("SELECT COUNT(*) FROM audit WHERE action = 'item.edit' AND entity_id = %d" % item) == 1
    before = snap()
    e = h.expect_error(lib.post("/items/%d/edit" % other, {"barcode": "TV5-0001"}), 409, "err.items.barcode_taken")
    for fields, code in (({"barcode": ""}, "err.item.barcode"), ({"barcode": "có dấu"}, "err.item.barcode"),
                         ({"barcode": "B1", "status": "on_loan"}, "err.item.status"),
                         ({"barcode": "B1", "status": "withdrawn"}, "err.item.status"),
                         ({"barcode": "B1", "price": "-5"}, "err.price"),
                         ({"barcode": "B1", "price": "nhiều"}, "err.number"),
                         ({"barcode": "B1", "note": "x" * 1001}, "err.field.long")):
        h.expect_error(lib.post("/items/%d/edit" % other, fields), 400, code)
    r = client("thuthu.th001", json=False).post("/items/%d/edit" % other, {"barcode": "TV5-0001"})
    h.expect_status(r, 409)
    assert h.in_html(h.vi("err.items.barcode_taken"), r.text)
    h.assert_unchanged(before, snap(), "refused copy edits")
    # The browser: the form, then 303 to the record with a notice.
    b = client("thuthu.th001", json=False)
    page = h.expect_status(b.get("/items/%d/edit" % other), 200).text
    assert 'name="barcode"' in page and not h.untranslated(page)
    loc = h.expect_redirect(b.post("/items/%d/edit" % other, {"barcode": "TV5-0002", "status": "lost"}))
    assert loc == "/catalog/%d?ok=item" % fx["bib"], loc


def test_registers_reconcile():
    """Last: what the registers rest on still holds after these scenarios (thuvien check)."""
    srv.check()
