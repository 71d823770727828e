"""test_opac.py: the public catalogue's pages (src/web/pages_opac.c, src/opac/record.c): the union
search (/opac), a school's search (/opac/s/CODE), a union work, a school's record and its MARC
view, and a school's switch of anonymous access.

Setup: real MARC records imported into two schools (jorol-loc-50 into TH001, solrmarc-uva_001-200
into THCS001) and Vietnamese titles catalogued through the catalogue's form in both (one of them,
with the same ISBN in both schools, is one work of the union catalogue). The tests then wait for the
OPAC's sync (its thread attaches the records to works and loads the index) before searching.
"""
import gzip
import os
import re
import subprocess
import time
import urllib.parse

import harness as h

srv = None
lib = {}        # school code -> the librarian's JSON client
books = {}      # key -> {"id", "school", "title", ...}

DATA = os.path.join(h.ROOT, "..", "shared", "data", "marc-extra", "bulk")

# Vietnamese titles: (key, schools, fields). A title in two schools shares its ISBN: one work.
VN = [
    ("demen", ("TH001", "THCS001"), {"title": "Dế Mèn phiêu lưu ký", "authors": "Tô Hoài", "publisher": "Kim Đồng",
                                     "place": "Hà Nội", "year": "2019", "isbn": "978-604-2-12345-7",
                                     "doc_type": "TN", "class_number": "895.9223", "subjects": "Truyện thiếu nhi",
                                     "summary": "Cuộc phiêu lưu của chú Dế Mèn.", "language": "vie"}),
    ("vochong", ("TH001",), {"title": "Vợ chồng A Phủ", "authors": "Tô Hoài", "publisher": "Văn học",
                             "place": "Hà Nội", "year": "2015", "doc_type": "STK", "class_number": "895.9223",
                             "language": "vie"}),
    ("tiengviet", ("TH001",), {"title": "Tiếng Việt 5", "subtitle": "Tập một", "authors": "Nguyễn Minh Thuyết",
                               "publisher": "Giáo dục Việt Nam", "place": "Hà Nội", "year": "2020", "doc_type": "SGK",
                               "grade": "5", "class_number": "372.6", "language": "vie"}),
    ("toan", ("TH001",), {"title": "Toán 5", "authors": "Đỗ Đình Hoan", "publisher": "Giáo dục Việt Nam",
                          "year": "2021", "doc_type": "SGK", "grade": "5", "class_number": "372.7", "language": "vie"}),
    ("kinhvan", ("TH001",), {"title": "Đường Kách mệnh", "authors": "Hồ Chí Minh", "publisher": "Chính trị quốc gia",
                             "year": "2011", "doc_type": "STK", "class_number": "335.4346", "language": "vie"}),
    ("nghiepvu", ("TH001",), {"title": "Nghiệp vụ thư viện trường học", "authors": "Lê Văn Viết",
                              "publisher": "Đại học Quốc gia", "year": "2016", "doc_type": "SNV",
                              "class_number": "027.8", "language": "vie"}),
    ("hoangtu", ("THCS001",), {"title": "Hoàng tử bé", "authors": "Saint-Exupéry, Antoine de",
                               "publisher": "Nhã Nam", "place": "Hà Nội", "year": "2018", "doc_type": "TN",
                               "class_number": "843.912", "language": "vie"}),
]


def catalogue(c, fields, copies=2):
    f = dict(fields)
    f["copies"] = str(copies)
    r = c.post("/catalog", f)
    return h.expect_status(r, 201).json()["biblio"]


def setup_module():
    global srv
    srv = h.Server().start()
    for code in ("TH001", "THCS001"):
        lib[code] = h.logged_in(srv, "thuthu." + code.lower())
    srv.cli("import", "marc", "--school", "TH001", "--copies", "2", os.path.join(DATA, "jorol-loc-50.mrc"))
    srv.cli("import", "marc", "--school", "THCS001", os.path.join(DATA, "solrmarc-uva_001-200.mrc"))
    for key, schools, fields in VN:
        for code in schools:
            b = catalogue(lib[code], fields)
            books[(key, code)] = {"id": b["id"], "school": code, "title": fields["title"], "copies": b["copies"]}
    wait_synced()


def teardown_module():
    srv.stop()


def anon(json=True):
    return h.Client(srv, json=json)


def works_expected():
    return srv.sql_value("SELECT COUNT(*) AS n FROM works WHERE schools > 0")


def wait_synced(timeout=20):
    """Until every record is attached to its work and the union browse counts every work."""
    c = anon()
    deadline = time.time() + h.slow(timeout)
    last = None
    while time.time() < deadline:
        pending = srv.sql_value("SELECT COUNT(*) AS n FROM biblios WHERE work_sync = 1")
        if pending == 0:
            last = h.expect_status(c.get("/opac?browse=1"), 200).json()
            if last["total"] == works_expected():
                return last
        time.sleep(0.1)
    raise AssertionError("the OPAC did not catch up: %r pending, /opac says %r, works %r"
                         % (pending, last and last["total"], works_expected()))


def search(c, path="/opac", **q):
    return h.expect_status(c.get(path + "?" + urllib.parse.urlencode(q)), 200).json()


def fold(s):
    import unicodedata
    s = unicodedata.normalize("NFD", s.lower().replace("đ", "d"))
    return "".join(ch for ch in s if unicodedata.category(ch) != "Mn")


# --- search ------------------------------------------------------------------------------------------

# (where, query, expected top title): with and without diacritics.
QUERIES = [
    ("/opac/s/TH001", "Dế Mèn phiêu lưu ký", "Dế Mèn phiêu lưu ký"),
    ("/opac/s/TH001", "de men phieu luu ky", "Dế Mèn phiêu lưu ký"),
    ("/opac/s/TH001", "DE MEN", "Dế Mèn phiêu lưu ký"),
    ("/opac/s/TH001", "vo chong a phu", "Vợ chồng A Phủ"),
    ("/opac/s/TH001", "tieng viet 5", "Tiếng Việt 5"),
    ("/opac/s/TH001", "duong kach menh", "Đường Kách mệnh"),
    ("/opac/s/TH001", "applied perl", "Applied Perl"),
    ("/opac/s/THCS001", "hoang tu be", "Hoàng tử bé"),
    ("/opac", "dế mèn", "Dế Mèn phiêu lưu ký"),
    ("/opac", "hoàng tử bé", "Hoàng tử bé"),
    ("/opac", "modernism and race", "Modernism and race"),
]


def test_queries_find_their_top_hit():
    c = anon()
    bad = []
    for path, q, title in QUERIES:
        j = search(c, path, q=q)
        top = j["hits"][0]["title"] if j["hits"] else None
        if top != title:
            bad.append("%s q=%r: top %r, expected %r (total %d)" % (path, q, top, title, j["total"]))
    assert not bad, "\n".join(bad)


def test_school_hits_show_call_number_and_copies_on_the_shelf():
    j = search(anon(), "/opac/s/TH001", q="de men")
    hit = j["hits"][0]
    b = books[("demen", "TH001")]
    assert hit["id"] == b["id"] and hit["url"] == "/opac/records/%d" % b["id"], hit
    assert hit["copies"] == 2 and hit["on_shelf"] == 2, hit
    assert hit["call_number"].startswith("895.9223"), hit
    assert hit["type"] == "TN" and hit["type_name"] == "Sách thiếu nhi" and hit["year"] == 2019, hit
    # Every hit of a school's search is that school's.
    assert all(x["school"] == "TH001" for x in search(anon(), "/opac/s/TH001", q="perl")["hits"])


def test_union_shows_a_shared_title_once_with_its_two_schools():
    j = search(anon(), q="de men phieu luu ky")
    same = [x for x in j["hits"] if x["title"] == "Dế Mèn phiêu lưu ký"]
    assert len(same) == 1, same
    hit = same[0]
    assert hit["schools"] == 2 and hit["union"] is True, hit
    assert hit["held_by"] == h.vi("opac.held_by").replace("{n}", "2"), hit
    assert hit["url"] == "/opac/works/%d" % hit["work_id"], hit
    w = h.expect_status(anon().get(hit["url"]), 200).json()
    codes = [x["code"] for x in w["holdings"]]
    assert codes == ["TH001", "THCS001"], w["holdings"]
    ids = {x["code"]: x["url"] for x in w["holdings"]}
    assert ids["TH001"] == "/opac/records/%d" % books[("demen", "TH001")]["id"]
    assert ids["THCS001"] == "/opac/records/%d" % books[("demen", "THCS001")]["id"]
    assert all(x["copies"] == 2 and x["on_shelf"] == 2 for x in w["holdings"]), w["holdings"]
    assert w["schools"] == 2 and w["copies"] == 4, w
    page = h.expect_status(anon(json=False).get(hit["url"]), 200).text
    assert page.count("<h1") == 1 and "Dế Mèn phiêu lưu ký" in page
    assert h.in_html(h.vi("opac.held_in"), page) and 'scope="row"' in page


def test_facets_add_up_to_the_total():
    c = anon()
    for path, q in (("/opac", {"browse": "1"}), ("/opac/s/TH001", {"q": "perl"}), ("/opac", {"q": "perl"})):
        j = search(c, path, **q)
        assert j["total"] > 0, (path, q, j["total"])
        facets = {f["name"]: f for f in j["facets"]}
        assert "type" in facets and "lang" in facets, facets.keys()
        for name in ("type", "lang"):
            s = sum(v["count"] for v in facets[name]["values"])
            assert s == j["total"], "%s %r: facet %s adds up to %d, total %d" % (path, q, name, s, j["total"])
        for name, f in facets.items():
            assert sum(v["count"] for v in f["values"]) <= j["total"], (name, f)
        # Choosing a value gives its count.
        for name, param in (("type", "type"), ("decade", "decade"), ("lang", "lang")):
            if name not in facets:
                continue
            v = facets[name]["values"][0]
            got = search(c, path, **dict(q, **{param: v["value"]}))
            assert got["total"] == v["count"], (name, v, got["total"])
            sel = [x for f in got["facets"] if f["name"] == name for x in f["values"] if x["selected"]]
            assert sel and sel[0]["value"] == v["value"], got["facets"]


def test_facet_labels():
    j = search(anon(), "/opac/s/TH001", browse="1")
    facets = {f["name"]: f for f in j["facets"]}
    types = {v["value"]: v["label"] for v in facets["type"]["values"]}
    assert types.get("SGK") == "Sách giáo khoa" and types.get("STK") == "Sách tham khảo", types
    grades = {v["value"]: v["label"] for v in facets["grade"]["values"]}
    assert grades.get("5") == "Lớp 5", grades
    langs = {v["value"]: v["label"] for v in facets["lang"]["values"]}
    assert langs.get("vie") == "Tiếng Việt", langs
    classes = {v["value"]: v["label"] for v in facets["class"]["values"]}
    assert "Văn học" in classes.get("8", ""), classes


def test_paging_without_overlap_and_deep():
    c = anon()
    p1 = search(c, browse="1")
    p2 = search(c, browse="1", page="2")
    assert p1["total"] > 40 and p1["pages"] == (p1["total"] + 19) // 20, p1["total"]
    ids1 = [x["id"] for x in p1["hits"]]
    ids2 = [x["id"] for x in p2["hits"]]
    assert len(ids1) == 20 and len(ids2) == 20 and not set(ids1) & set(ids2), (ids1, ids2)
    # A small page size walks the same order.
    p_small = [search(c, browse="1", n="10", page=str(k)) for k in (1, 2, 3, 4)]
    walked = [x["id"] for p in p_small for x in p["hits"]]
    assert walked == ids1 + ids2, "pages of 10 and of 20 disagree"
    last = search(c, browse="1", page=str(p1["pages"]))
    assert len(last["hits"]) == p1["total"] - 20 * (p1["pages"] - 1), len(last["hits"])
    assert "next_url" not in last and last["prev_url"].endswith("page=%d" % (p1["pages"] - 1)), last
    # Every work appears once over all the pages.
    seen = []
    for k in range(1, p1["pages"] + 1):
        seen += [x["work_id"] for x in search(c, browse="1", page=str(k))["hits"]]
    assert len(seen) == len(set(seen)) == p1["total"], (len(seen), len(set(seen)), p1["total"])
    page = h.expect_status(anon(json=False).get("/opac?browse=1&page=3"), 200).text
    assert 'aria-current="page">3<' in page and 'rel="prev"' in page and 'rel="next"' in page, page[-3000:]


def test_sort_orders():
    c = anon()
    t = search(c, "/opac/s/TH001", browse="1", sort="title", n="100")["hits"]
    keys = [fold(x["title"]) for x in t]
    assert keys == sorted(keys), keys[:10]
    y = search(c, "/opac/s/TH001", browse="1", sort="newest", n="100")["hits"]
    years = [x["year"] or 0 for x in y]
    assert years == sorted(years, reverse=True), years
    # Most borrowed: lend a copy of "Toán 5" and it comes first once the sync counted it.
    b = books[("toan", "TH001")]
    patron = srv.sql("SELECT code FROM patrons WHERE unit_id = %d AND kind = 'student' ORDER BY id LIMIT 1 OFFSET 3"
                     % srv.unit("TH001")["id"])[0]["code"]
    h.expect_status(lib["TH001"].post("/circ/checkout", {"patron": patron, "item": b["copies"][1]["barcode"]}), 200)
    deadline = time.time() + h.slow(10)
    while True:
        top = search(c, "/opac/s/TH001", browse="1", sort="popular")["hits"][0]
        if top["id"] == b["id"] or time.time() > deadline:
            break
        time.sleep(0.2)
    assert top["id"] == b["id"], top
    h.expect_status(lib["TH001"].post("/circ/return", {"item": b["copies"][1]["barcode"]}), 200)


def test_suggestion_for_a_typo():
    j = search(anon(), "/opac/s/TH001", q="phieeu luu ky")
    assert j["suggestion"] and fold(j["suggestion"]) == "phieu luu ky", j["suggestion"]
    assert j["suggestion_url"] == "/opac/s/TH001?q=" + urllib.parse.quote(j["suggestion"], safe=""), j
    # The suggestion finds the book.
    assert search(anon(), "/opac/s/TH001", q=j["suggestion"])["hits"][0]["title"] == "Dế Mèn phiêu lưu ký"
    page = h.expect_status(anon(json=False).get("/opac/s/TH001?q=phieeu+luu+ky"), 200).text
    assert h.in_html(h.vi("opac.did_you_mean"), page)
    assert 'href="%s"' % h.html_escape(j["suggestion_url"]) in page, page[-3000:]
    # No book has every word: the books with all but one, and a notice that says so.
    j = search(anon(), "/opac/s/TH001", q="vo chong xyzw")
    assert j["relaxed"] is True and j["hits"][0]["title"] == "Vợ chồng A Phủ", j
    page = anon(json=False).get("/opac/s/TH001?q=vo+chong+xyzw").text
    assert h.in_html(h.vi("opac.relaxed"), page)


# --- a record ---------------------------------------------------------------------------------------

def test_record_page_shows_due_date_and_never_the_reader():
    b = books[("demen", "TH001")]
    th = srv.unit("TH001")["id"]
    reader = srv.sql("SELECT code, full_name FROM patrons WHERE unit_id = %d AND kind = 'student' ORDER BY id LIMIT 1"
                     % th)[0]
    r = h.expect_status(lib["TH001"].post("/circ/checkout", {"patron": reader["code"],
                                                              "item": b["copies"][0]["barcode"]}), 200).json()
    due = r["loan"]["due"]
    y, m, d = due.split("-")
    due_vn = "%s/%s/%s" % (d, m, y)
    try:
        for c in (anon(), h.logged_in(srv, "bandoc.th001"), h.logged_in(srv, "bandoc.thcs001"), lib["TH001"]):
            j = h.expect_status(c.get("/opac/records/%d" % b["id"]), 200).json()
            states = sorted(x["state"] for x in j["copies"])
            assert states == ["loan", "shelf"], j["copies"]
            loan = [x for x in j["copies"] if x["state"] == "loan"][0]
            assert loan["due"] == due and due_vn in loan["label"], loan
            assert j["on_shelf"] == 1, j
            page = c.get("/opac/records/%d" % b["id"], json=False).text
            for body in (page, str(j)):
                assert reader["full_name"] not in body and reader["code"] not in body, "the reader shows"
                assert b["copies"][0]["barcode"] not in body, "a barcode shows"
            assert h.in_html(h.vi("opac.copy.loan_until").replace("{due}", due_vn), page), page[-4000:]
    finally:
        h.expect_status(lib["TH001"].post("/circ/return", {"item": b["copies"][0]["barcode"]}), 200)


def test_hold_queue_copy_set_aside_and_in_library_use():
    """Both copies on loan and a hold waiting: the queue shows 1; a copy returned is set aside for
    the hold ("held", not on the shelf); a copy in library use is read there only. No reader's
    name anywhere."""
    b = books[("kinhvan", "TH001")]
    path = "/opac/records/%d" % b["id"]
    th = srv.unit("TH001")["id"]
    readers = srv.sql("SELECT code, full_name FROM patrons WHERE unit_id = %d AND kind = 'student' ORDER BY id"
                      " LIMIT 2 OFFSET 10" % th)
    c = lib["TH001"]
    for x in b["copies"]:
        h.expect_status(c.post("/circ/checkout", {"patron": readers[0]["code"], "item": x["barcode"]}), 200)
    h.expect_status(c.post("/catalog/%d/hold" % b["id"], {"patron": readers[1]["code"]}), 200)
    j = h.expect_status(anon().get(path), 200).json()
    assert j["holds"] == 1 and j["on_shelf"] == 0, j
    assert [x["state"] for x in j["copies"]] == ["loan", "loan"], j["copies"]
    h.expect_status(c.post("/circ/return", {"item": b["copies"][0]["barcode"]}), 200)
    j = h.expect_status(anon().get(path), 200).json()
    assert [x["state"] for x in j["copies"]] == ["held", "loan"], j["copies"]
    assert j["copies"][0]["label"] == h.vi("opac.copy.held") and j["on_shelf"] == 0, j
    page = anon(json=False).get(path).text
    for r in readers:
        assert r["full_name"] not in page and r["code"] not in page and r["full_name"] not in str(j)
    # In library use (the desk's status for a copy read in the room): read there only.
    h.expect_status(c.post("/circ/return", {"item": b["copies"][1]["barcode"]}), 200)
    h.sql_write(srv, "UPDATE items SET status = 'in_library' WHERE id = %d" % b["copies"][1]["id"])
    j = h.expect_status(anon().get(path), 200).json()
    assert j["copies"][1]["state"] == "inlib" and j["copies"][1]["label"] == h.vi("opac.copy.inlib"), j["copies"]
    # A lost copy is not listed.
    h.sql_write(srv, "UPDATE items SET status = 'lost' WHERE id = %d" % b["copies"][1]["id"])
    j = h.expect_status(anon().get(path), 200).json()
    assert len(j["copies"]) == 1, j["copies"]


def test_english_record_page():
    c = anon(json=False)
    c.cookies["tv_lang"] = "en"
    page = h.expect_status(c.get("/opac/records/%d" % books[("demen", "TH001")]["id"]), 200).text
    assert '<html lang="en">' in page and h.in_html(h.en("opac.availability"), page), page[:2000]
    assert h.in_html(h.en("opac.copy.shelf"), page) and h.in_html(h.en("opac.cite"), page)


def test_record_page_description_and_html():
    b = books[("tiengviet", "TH001")]
    j = h.expect_status(anon().get("/opac/records/%d" % b["id"]), 200).json()
    rec = j["record"]
    assert rec["title"] == "Tiếng Việt 5" and rec["subtitle"] == "Tập một" and rec["grade"] == 5, rec
    assert rec["type_name"] == "Sách giáo khoa" and rec["call_number"].startswith("372.6"), rec
    assert j["school"]["code"] == "TH001" and j["school"]["url"] == "/opac/s/TH001", j["school"]
    assert j["holds"] == 0 and not j["can_hold"] and j["login_url"] == "/login?next=/opac/records/%d" % b["id"], j
    page = h.expect_status(anon(json=False).get("/opac/records/%d" % b["id"]), 200).text
    assert page.count("<h1") == 1 and '<main id="main">' in page and '<th scope="col">' in page
    assert "<script" not in page, "the record page needs no JavaScript"
    assert h.in_html(h.vi("opac.login_to_hold"), page)
    assert not h.untranslated(page), h.untranslated(page)
    assert "opac." not in re.sub(r"<[^>]*>", " ", page), "an i18n key shows"


def test_reference_only_copies():
    """Teachers' professional books (SNV) are lent to no student: read in the library only."""
    b = books[("nghiepvu", "TH001")]
    j = h.expect_status(anon().get("/opac/records/%d" % b["id"]), 200).json()
    assert j["reference"] is True and all(x["state"] == "inlib" for x in j["copies"]), j["copies"]
    assert j["copies"][0]["label"] == h.vi("opac.copy.inlib")
    page = anon(json=False).get("/opac/records/%d" % b["id"]).text
    assert h.in_html(h.vi("opac.reference_note"), page)


def test_hold_button_for_a_reader_of_the_school_only():
    b = books[("vochong", "TH001")]
    path = "/opac/records/%d" % b["id"]
    mine = h.Client(srv, json=False)
    mine.login_form("bandoc.th001")
    page = h.expect_status(mine.get(path), 200).text
    assert 'action="%s/hold"' % path in page and h.in_html(h.vi("opac.hold"), page), page[-3000:]
    other = h.Client(srv, json=False)
    other.login_form("bandoc.thcs001")
    page = h.expect_status(other.get(path), 200).text
    assert 'action="%s/hold"' % path not in page
    page = h.expect_status(anon(json=False).get(path), 200).text
    assert 'action="%s/hold"' % path not in page and "/login?next=%s" % path in page


def test_related_and_citations():
    b = books[("vochong", "TH001")]
    j = h.expect_status(anon().get("/opac/records/%d" % b["id"]), 200).json()
    by_author = [x["title"] for x in j["related"]["author"]]
    assert by_author == ["Dế Mèn phiêu lưu ký"], by_author
    by_class = [x["title"] for x in j["related"]["class"]]
    assert by_class == ["Dế Mèn phiêu lưu ký"], by_class
    assert j["citation"]["vn"]["text"] == "Tô Hoài (2015), Vợ chồng A Phủ, Văn học, Hà Nội.", j["citation"]
    assert j["citation"]["apa"]["text"] == "Tô Hoài. (2015). Vợ chồng A Phủ. Văn học.", j["citation"]
    h2 = h.expect_status(anon().get("/opac/records/%d" % books[("hoangtu", "THCS001")]["id"]), 200).json()
    assert h2["citation"]["apa"]["text"] == "Saint-Exupéry, A. d. (2018). Hoàng tử bé. Nhã Nam.", h2["citation"]
    page = anon(json=False).get("/opac/records/%d" % b["id"]).text
    assert "<em>Vợ chồng A Phủ</em>" in page


def test_marc_view_drops_local_fields():
    bid = srv.sql_value("SELECT id FROM biblios WHERE unit_id = %d AND title = 'Applied Perl'" % srv.unit("TH001")["id"])
    j = h.expect_status(anon().get("/opac/records/%d/marc" % bid), 200).json()
    assert j["stored"] is True and re.search(r"^245 10 \$a Applied Perl", j["lines"], re.M), j["lines"][:500]
    tags = re.findall(r"^(\d{3}) ", j["lines"], re.M)
    assert tags and not [t for t in tags if t[0] == "9" or t in ("852", "876", "877", "878", "541")], tags
    # A record catalogued by the short form: built from its fields.
    j = h.expect_status(anon().get("/opac/records/%d/marc" % books[("demen", "TH001")]["id"]), 200).json()
    assert j["stored"] is False and "Dế Mèn phiêu lưu ký" in j["lines"], j
    page = anon(json=False).get("/opac/records/%d/marc" % bid).text
    assert '<pre class="marc"' in page and page.count("<h1") == 1


# --- anonymous access ---------------------------------------------------------------------------------

def test_anonymous_access_switch():
    thcs = srv.unit("THCS001")
    rec = books[("hoangtu", "THCS001")]["id"]
    only_thcs = "hoang tu be"
    before_union = search(anon(), q=only_thcs)["total"]
    assert before_union >= 1
    # Not the reader's, nor another school's librarian's to change.
    h.expect_error(h.logged_in(srv, "bandoc.thcs001").post("/opac/settings", {"open": "0"}), 403, "err.opac.settings")
    h.expect_error(lib["TH001"].post("/opac/settings", {"open": "0", "unit": str(thcs["id"])}), 404, "err.opac.school")
    h.expect_error(lib["THCS001"].post("/opac/settings", {"open": "2"}), 400, "err.opac.open")
    h.expect_error(anon().post("/opac/settings", {"open": "0"}), 401)
    assert srv.unit("THCS001")["opac_public"] == 1
    r = lib["THCS001"].post("/opac/settings", {"open": "0", "unit": str(thcs["id"])})
    assert h.expect_status(r, 200).json() == {"ok": True, "open": False}
    assert srv.unit("THCS001")["opac_public"] == 0
    audit = srv.audit("action = 'opac.settings'")
    assert len(audit) == 1 and audit[0]["unit_id"] == thcs["id"] and audit[0]["detail"] == "opac_public: 0", audit
    try:
        # Anonymous: the login page (HTML), 401 (JSON), for the school's search and its records.
        r = anon(json=False).get("/opac/s/THCS001?q=x")
        assert r.status == 303 and r.header("Location").startswith("/login?next=/opac/s/THCS001"), h.describe(r)
        h.expect_error(anon().get("/opac/s/THCS001"), 401, "err.opac.closed")
        h.expect_error(anon().get("/opac/records/%d" % rec), 401, "err.opac.closed")
        h.expect_error(anon().get("/opac/records/%d/marc" % rec), 401, "err.opac.closed")
        r = anon(json=False).get("/opac/records/%d" % rec)
        assert r.status == 303 and "/login?next=/opac/records/%d" % rec in r.header("Location"), h.describe(r)
        # Its reader still sees it; so does a logged-in account of another school.
        for user in ("bandoc.thcs001", "bandoc.th001"):
            c = h.logged_in(srv, user)
            h.expect_status(c.get("/opac/records/%d" % rec), 200)
            assert search(c, "/opac/s/THCS001", q=only_thcs)["total"] >= 1
        # The union search drops it for anonymous visitors, and the shared work shows one school.
        deadline = time.time() + h.slow(10)
        while search(anon(), q=only_thcs)["total"] and time.time() < deadline:
            time.sleep(0.2)
        assert search(anon(), q=only_thcs)["total"] == 0
        assert search(h.logged_in(srv, "bandoc.thcs001"), q=only_thcs)["total"] == before_union
        w = books[("demen", "TH001")]
        wid = srv.sql_value("SELECT work_id FROM biblios WHERE id = %d" % w["id"])
        codes = [x["code"] for x in h.expect_status(anon().get("/opac/works/%d" % wid), 200).json()["holdings"]]
        assert codes == ["TH001"], codes
        # The switch shows to the school's staff on its OPAC page.
        b = h.Client(srv, json=False)
        b.login_form("bgh.thcs001")
        page = h.expect_status(b.get("/opac/s/THCS001"), 200).text
        assert h.in_html(h.vi("opac.settings_closed"), page) and 'action="/opac/settings"' in page
    finally:
        h.expect_status(lib["THCS001"].post("/opac/settings", {"open": "1"}), 200)
    assert srv.unit("THCS001")["opac_public"] == 1
    h.expect_status(anon().get("/opac/records/%d" % rec), 200)


# --- bad input ----------------------------------------------------------------------------------------

def test_bad_input_is_refused_clearly():
    c = anon()
    before = srv.db_snapshot()
    cases = [
        ("/opac?q=" + "a" * 600, 400, "err.opac.query"),
        ("/opac?page=-1", 400, "err.opac.params"),
        ("/opac?page=0", 400, "err.opac.params"),
        ("/opac?page=abc", 400, "err.opac.params"),
        ("/opac?q=perl&page=999999", 404, "err.opac.page"),
        ("/opac?page=99999999999999999999", 400, "err.opac.params"),
        ("/opac?type=XYZ", 400, "err.opac.params"),
        ("/opac?type=%3Cscript%3E", 400, "err.opac.params"),
        ("/opac?grade=13", 400, "err.opac.params"),
        ("/opac?decade=2025", 400, "err.opac.params"),
        ("/opac?sort=cheapest", 400, "err.opac.params"),
        ("/opac?n=1000", 400, "err.opac.params"),
        ("/opac/s/NOPE", 404, "err.opac.school"),
        ("/opac/s/PGD01", 404, "err.opac.school"),
        ("/opac/records/999999", 404, "err.biblio.notfound"),
        ("/opac/records/999999/marc", 404, "err.biblio.notfound"),
        ("/opac/works/999999", 404, "err.opac.work"),
    ]
    for path, status, code in cases:
        h.expect_error(c.get(path), status, code)
        r = c.get(path, json=False)
        assert r.status == status and "<html" in r.text, (path, h.describe(r))
        # In the public layout, with the way back to the search and the reason in words.
        assert "/static/opac.css" in r.text and 'href="/opac"' in r.text, (path, r.text[:600])
        assert h.in_html(h.vi(code), r.text) and h.in_html(h.vi("opac.back"), r.text), (path, r.text[-800:])
    h.expect_error(c.get("/opac?q=%C3%28"), 400, "err.utf8")
    h.expect_error(c.get("/opac/s/TH%FF"), 400)
    # Unknown facet values of free-text facets give no hits, not an error.
    assert search(c, lang="xyz")["total"] == 0
    h.assert_unchanged(before, srv.db_snapshot(), "bad OPAC requests")
    h.assert_healthy(srv)


# --- weight and markup -------------------------------------------------------------------------------

def curl_bytes(path):
    out = subprocess.run(["curl", "-s", "--compressed", "-o", "/dev/null", "-w", "%{size_download}",
                          "http://127.0.0.1:%d%s" % (srv.port, path)], capture_output=True, text=True, timeout=30)
    return int(out.stdout)


def test_first_page_under_50_kb():
    for path in ("/opac", "/opac?q=perl", "/opac/s/TH001?q=perl", "/opac/records/%d" % books[("demen", "TH001")]["id"]):
        page = curl_bytes(path)
        css = curl_bytes("/static/opac.css")
        assert page > 500 and css > 100, (page, css)
        assert page + css < 50 * 1024, "%s: %d + %d bytes" % (path, page, css)


def test_search_page_markup():
    page = h.expect_status(anon(json=False).get("/opac/s/TH001?q=perl"), 200).text
    assert page.count("<h1") == 1 and '<html lang="vi">' in page and "<script" not in page
    assert '<label for="q">' in page and 'id="q"' in page
    assert "<fieldset><legend>" in page and '<ol class="hits"' in page
    # Every input but the hidden ones has a label around it or for it.
    inputs = re.findall(r"<input ([^>]*)>", page)
    for i in inputs:
        if 'type="hidden"' in i or 'id="q"' in i:
            continue
        assert 'type="radio"' in i, i
    assert re.search(r"<label><input type=\"radio\"", page)
    assert '<select id="sort"' in page and '<label for="sort">' in page
    assert not h.untranslated(page), h.untranslated(page)
    home = h.expect_status(anon(json=False).get("/opac"), 200).text
    assert 'href="/opac?browse=1"' in home and home.count("<h1") == 1


def test_json_shape():
    j = search(anon(), "/opac/s/TH001", q="perl")
    for k in ("total", "page", "pages", "hits", "facets", "suggestion", "relaxed", "sort", "school"):
        assert k in j, k
    assert isinstance(j["total"], int) and j["page"] == 1 and j["sort"] == "relevance"
    hit = j["hits"][0]
    for k in ("id", "work_id", "title", "authors", "year", "type", "type_name", "call_number", "copies", "on_shelf",
              "url", "schools"):
        assert k in hit, (k, hit)
    f = j["facets"][0]
    assert set(f) >= {"name", "legend", "values"} and set(f["values"][0]) >= {"value", "label", "count", "selected"}
    u = search(anon(), q="perl")
    assert "school" not in u and u["hits"] and all(x["union"] for x in u["hits"]), u
    # The home page (no query) carries the discovery blocks; a search does not.
    home = search(anon(), "/opac/s/TH001")
    assert home["home"] is True and set(home["discover"]) >= {"new", "popular", "lists"}, home.get("discover")
    assert "discover" not in j and j["home"] is False
    # A union hit counts no copies (they are the work page's, over every school).
    assert all("copies" not in x and x["url"].startswith("/opac/works/") for x in u["hits"]), u["hits"][0]


def test_registers_reconcile():
    """Last: what the registers rest on still holds after these scenarios (thuvien check)."""
    srv.check()
