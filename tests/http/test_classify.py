"""test_classify.py: the classification schemes and call numbers over HTTP: /classes (search and
browse, JSON, the page, the htmx fragment) and /classes/callnumber for every role (readers
refused, anonymous sent to log in, every staff role of any school allowed: the tables are shared
and show nothing of a school), bad input (a huge or invalid query, an unknown scheme), the
cataloguing form's new fields, and a record saved without a call number getting the built one.
"""
import urllib.parse

import harness as h

srv = None
_clients = {}

STAFF = ["admin", "so.admin", "so.chuyenvien", "phong1.admin", "phong2.chuyenvien", "thuthu.th001",
         "thuthu.lc001", "bgh.th001", "quantri.thcs001"]
READERS = ["bandoc.th001", "bandoc.lc001"]


def setup_module():
    global srv
    srv = h.Server().start()


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


def classes(c, **query):
    return c.get("/classes?" + urllib.parse.urlencode(query))


def numbers(r):
    return [e["number"] for e in h.expect_status(r, 200).json()["results"]]


# --- who -----------------------------------------------------------------------------------------

def test_every_staff_role_searches_the_shared_tables():
    for u in STAFF:
        c = client(u)
        assert numbers(classes(c, q="vat ly", scheme="DDC"))[:1] == ["530"], u
        assert "53" in numbers(classes(c, q="vat ly", scheme="VN19"))[:3], u
        j = h.expect_status(c.get("/classes/callnumber?" + urllib.parse.urlencode(
            {"class_number": "895.9223", "authors": "Nguyễn Nhật Ánh"})), 200).json()
        assert j["call_number"] == "895.9223 NGU", (u, j)


def test_readers_are_refused():
    for u in READERS:
        c = client(u)
        h.expect_error(classes(c, q="vat ly"), 403, "err.forbidden")
        h.expect_error(c.get("/classes/callnumber?class_number=530&authors=A"), 403, "err.forbidden")
        b = client(u, json=False)
        h.expect_status(b.get("/classes?q=vat+ly"), 403)
        h.expect_status(b.get("/classes?q=vat+ly", headers={"HX-Request": "true"}), 403)


def test_anonymous_goes_to_login():
    anon = h.Client(srv, json=False)
    for path in ("/classes", "/classes?q=530", "/classes/callnumber?class_number=530"):
        loc = h.expect_redirect(anon.get(path))
        assert loc.startswith("/login"), (path, loc)
        h.expect_status(h.Client(srv).get(path), 401)


# --- search --------------------------------------------------------------------------------------

def test_search_ranks_numbers_then_captions():
    c = client("thuthu.th001")
    got = numbers(classes(c, q="895.92"))
    assert got[:4] == ["895.92", "895.922", "895.9221", "895.9222"], got
    assert {"895.9223", "895.9228"} <= set(got), got
    assert numbers(classes(c, q="lich su viet nam"))[0] == "959.7"
    assert numbers(classes(c, q="LỊCH SỬ Việt Nam"))[0] == "959.7"
    # NFD in the query, percent-encoded.
    assert numbers(classes(c, q="Va\u0323\u0302t ly\u0301"))[0] == "530"
    assert numbers(classes(c, q="3k", scheme="vn19"))[0] == "3K"
    assert numbers(classes(c, q="khong co muc nay")) == []
    # The default scheme is DDC; empty query: the main classes.
    j = h.expect_status(classes(c), 200).json()
    assert j["scheme"] == "DDC" and [e["number"] for e in j["results"]] == ["%d00" % i for i in range(10)]
    assert j["results"][5]["caption"] == "Khoa học"


def test_exact_number_has_its_breadcrumb():
    c = client("thuthu.th001")
    j = h.expect_status(classes(c, q="895.9223"), 200).json()
    assert j["results"][0]["number"] == "895.9223"
    assert [e["number"] for e in j["ancestors"]] == ["800", "890", "895", "895.9", "895.92", "895.922"]
    j = h.expect_status(classes(c, q="53(075)", scheme="VN19"), 200).json()
    assert j["results"] == [] and j["ancestors"] == []


def test_captions_follow_the_language():
    c = client("thuthu.th001")
    r = c.post("/lang", {"lang": "en", "back": "/"})
    assert r.status in (200, 303), h.describe(r)
    j = h.expect_status(classes(c, q="530"), 200).json()
    assert j["results"][0]["caption"] == "Physics" and j["results"][0]["caption_vi"] == "Vật lý"
    c.post("/lang", {"lang": "vi", "back": "/"})
    assert h.expect_status(classes(c, q="530"), 200).json()["results"][0]["caption"] == "Vật lý"


def test_bad_input():
    c = client("thuthu.th001")
    h.expect_error(classes(c, q="a" * 201), 400, "err.classify.query")
    h.expect_error(classes(c, q="vat ly " * 2000), 400)
    e = h.expect_error(classes(c, q="vat ly", scheme="UDC"), 400, "err.classify.scheme")
    assert e["message"] == h.vi("err.classify.scheme")
    h.expect_error(classes(c, q="vat ly", scheme="x" * 300), 400, "err.classify.scheme")
    # Invalid UTF-8 in the query string: refused at the door.
    h.expect_status(c.get("/classes?q=%C3%28"), 400)
    h.expect_status(c.get("/classes/callnumber?authors=%FF"), 400)
    h.expect_error(c.get("/classes/callnumber?class_number=530&year=abc"), 400)
    h.expect_error(c.get("/classes/callnumber?title=" + "x" * 3000), 400, "err.classify.query")
    # SQL and LIKE metacharacters are plain text.
    assert numbers(classes(c, q="%")) == []
    assert numbers(classes(c, q="' OR 1=1 --")) == []
    # An absurd limit falls back to the default.
    assert len(numbers(classes(c, q="5", limit="100000"))) == 50
    assert len(numbers(classes(c, q="5", limit="3"))) == 3
    h.assert_healthy(srv)


# --- pages and fragments -------------------------------------------------------------------------

def test_browse_page_works_without_javascript():
    b = client("thuthu.th001", json=False)
    r = h.expect_status(b.get("/classes"), 200)
    assert r.header("Content-Type").startswith("text/html")
    assert h.vi("classes.title") in r.text and "Khoa học" in r.text
    assert 'href="/classes?scheme=DDC&amp;q=5"' in r.text  # a main class lists what is below it
    r = h.expect_status(b.get("/classes?scheme=DDC&q=5"), 200)
    assert "<code>530</code>" in r.text and "Vật lý" in r.text
    r = h.expect_status(b.get("/classes?scheme=VN19&q=" + urllib.parse.quote("8(V)")), 200)
    assert "Văn học Việt Nam" in r.text
    assert not h.untranslated(r.text)
    # The navigation of a librarian has the page.
    assert 'href="/classes"' in h.expect_status(b.get("/"), 200).text


def test_htmx_gets_fragments():
    b = client("thuthu.th001", json=False)
    hx = {"HX-Request": "true"}
    r = h.expect_status(b.get("/classes?class_number=895.922&scheme=DDC", headers=hx), 200)
    assert r.text.startswith('<div id="class-results"'), r.text[:200]
    assert "<html" not in r.text and 'data-class="895.9223"' in r.text
    r = h.expect_status(b.get("/classes/callnumber?" + urllib.parse.urlencode(
        {"class_number": "895.9223", "authors": "Nguyễn Nhật Ánh", "title": "Mắt biếc", "year": "2019"}),
        headers=hx), 200)
    assert r.text.strip() == '<input id="call_number" name="call_number" value="895.9223 NGU" maxlength="50">'
    # Escaped like everything else.
    r = h.expect_status(b.get("/classes/callnumber?" + urllib.parse.urlencode(
        {"class_number": '"><script>'}), headers=hx), 200)
    assert "<script>" not in r.text and "&quot;&gt;&lt;script&gt;" in r.text


def test_callnumber_rules():
    c = client("thuthu.th001")

    def call(**q):
        return h.expect_status(c.get("/classes/callnumber?" + urllib.parse.urlencode(q)), 200).json()

    assert call(class_number="895.922", authors="Đỗ Đình Hoan")["call_number"] == "895.922 ĐỖ"
    assert call(class_number="372.6", title="Tiếng Việt 1")["call_number"] == "372.6 TIẾ"
    assert call(class_number="158", authors="Carnegie, Dale")["author_mark"] == "CAR"
    assert call(**{"class": "530", "authors": "Ư"})["call_number"] == "530 Ư"
    assert call()["call_number"] == ""


def test_callnumber_rule_from_settings():
    env = dict(h.FAST_HASH)
    env.update({"THUVIEN_AUTHOR_MARK_PART": "given", "THUVIEN_AUTHOR_MARK_DIACRITICS": "strip",
                "THUVIEN_CALL_NUMBER_YEAR": "1", "THUVIEN_CLASS_SCHEME": "VN19"})
    with h.Server(env=env) as s:
        c = h.logged_in(s, "thuthu.th001")
        j = h.expect_status(c.get("/classes/callnumber?" + urllib.parse.urlencode(
            {"class_number": "8(V)3", "authors": "Nguyễn Nhật Ánh", "year": "2019"})), 200).json()
        assert j["call_number"] == "8(V)3 ANH 2019", j
        j = h.expect_status(c.get("/classes?q=vat+ly"), 200).json()
        assert j["scheme"] == "VN19" and j["results"][0]["number"] == "53"
    # A bad setting stops the program at start, naming the key.
    p = srv.cli("migrate", env={"THUVIEN_AUTHOR_MARK_PART": "middle"}, check=False)
    assert p.returncode != 0 and "author_mark_part" in (p.stderr + p.stdout), p


# --- the cataloguing form ------------------------------------------------------------------------

def test_form_has_the_scheme_and_call_number():
    b = client("thuthu.th001", json=False)
    r = h.expect_status(b.get("/catalog/new"), 200)
    for s in ('name="scheme"', '<option value="DDC" selected>', '<option value="VN19">', 'name="call_number"',
              'hx-get="/classes"', 'hx-get="/classes/callnumber"', h.vi("classes.make_callnumber")):
        assert s in r.text, s


def test_record_without_call_number_gets_the_built_one():
    c = client("thuthu.th001")
    r = c.post("/catalog", {"title": "Mắt biếc", "authors": "Nguyễn Nhật Ánh", "doc_type": "STK", "year": "2019",
                            "class_number": "895.9223", "copies": "1"})
    b = h.expect_status(r, 201).json()["biblio"]
    assert b["call_number"] == "895.9223 NGU", b
    # Typed by hand: kept as typed.
    r = c.post("/catalog", {"title": "Cho tôi xin một vé đi tuổi thơ", "authors": "Nguyễn Nhật Ánh",
                            "doc_type": "STK", "class_number": "895.9223", "call_number": "895.9223 NG-A",
                            "copies": "0"})
    assert h.expect_status(r, 201).json()["biblio"]["call_number"] == "895.9223 NG-A"
    # No author: the title; no class number: no call number.
    r = c.post("/catalog", {"title": "Tiếng Việt 1", "doc_type": "SGK", "class_number": "372.6", "copies": "0"})
    assert h.expect_status(r, 201).json()["biblio"]["call_number"] == "372.6 TIẾ"
    r = c.post("/catalog", {"title": "Sách chưa phân loại", "authors": "Tô Hoài", "doc_type": "STK", "copies": "0"})
    assert h.expect_status(r, 201).json()["biblio"]["call_number"] == ""
    # The browser form path: 303 to the record, which shows the call number.
    br = client("thuthu.th001", json=False)
    r = br.post("/catalog", {"title": "Dế Mèn phiêu lưu ký", "authors": "Tô Hoài", "doc_type": "TN",
                             "class_number": "895.9223", "scheme": "DDC", "copies": "1", "acquisition_id": "0"})
    loc = h.expect_redirect(r)
    page = h.expect_status(br.get(loc), 200).text
    assert "895.9223 TÔ" in page
    row = srv.sql("SELECT call_number FROM biblios WHERE title = 'Dế Mèn phiêu lưu ký'")
    assert row == [{"call_number": "895.9223 TÔ"}], row
    # A refused form keeps the scheme picked.
    r = br.post("/catalog", {"title": "", "doc_type": "STK", "scheme": "VN19", "class_number": "53"})
    h.expect_status(r, 400)
    assert '<option value="VN19" selected>' in r.text


def test_lookups_write_nothing():
    before = srv.db_snapshot()
    c = client("phong1.admin")
    classes(c, q="vat ly")
    c.get("/classes/callnumber?class_number=530&authors=A")
    h.assert_unchanged(before, srv.db_snapshot(), "classification lookups")


def test_registers_reconcile():
    """Last: what the registers rest on still holds after these scenarios (thuvien check)."""
    srv.check()
