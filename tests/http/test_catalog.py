"""test_catalog.py: the staff catalogue of a school (the catalogue's first slice): cataloguing by
the school's librarian (JSON 201, browser 303), validation with nothing written, duplicates,
accession numbers per register (also under 8 concurrent requests), intake batches with their
running numbers, the staff search (folded words, ISBN, barcode, accession number, type filter,
exact title first, paging), who may read and write, and the audit trail of every write.

Librarians acting: thuthu.th001 (TH001, district 1), thuthu.thcs001 (THCS001, district 1),
thuthu.lc001 (LC001, district 3). The module's server runs 8 worker threads so that the
concurrent requests really run at the same time.
"""
import html
import os
import re
import threading
import time
import urllib.parse

import harness as h

srv = None
_clients = {}
_browsers = {}
fx = {}         # the search fixture: name -> record JSON (made by setup_module)

CATALOG_TABLES = ["biblios", "items", "acquisitions", "accession_counters"]
LOGIN_TRACES = ("login.", "logout")

# Keys of the catalogue's translations, should one show as such on a page (the harness's
# untranslated() knows the older prefixes only).
_CAT_KEY_RE = re.compile(r"(?<![\w./-])((?:catalog|acq|item|biblio)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*)(?![\w/-])")


def setup_module():
    global srv
    srv = h.Server(env={"THUVIEN_THREADS": 8}).start()
    make_search_fixture()


def teardown_module():
    srv.stop()


# --- helpers -------------------------------------------------------------------------------------

def client(username):
    """A logged-in JSON client, one per user for the module."""
    if username not in _clients:
        _clients[username] = h.logged_in(srv, username)
    return _clients[username]


def browser(username):
    """A logged-in browser (HTML) client, one per user for the module."""
    if username not in _browsers:
        b = h.Client(srv, json=False)
        b.login_form(username)
        _browsers[username] = b
    return _browsers[username]


def create(c, title, doc_type="STK", json=None, **fields):
    f = {"title": title, "doc_type": doc_type}
    f.update({k: str(v) for k, v in fields.items()})
    return c.post("/catalog", f, json=json)


def created(c, title, doc_type="STK", **fields):
    """Create a record (201) and return its JSON."""
    r = create(c, title, doc_type, **fields)
    h.expect_status(r, 201)
    return r.json()["biblio"]


def record(c, bid):
    return h.expect_status(c.get("/catalog/%d" % bid), 200).json()["biblio"]


def add_copies(c, bid, **fields):
    return c.post("/catalog/%d/copies" % bid, {k: str(v) for k, v in fields.items()})


def search(c, **query):
    r = c.get("/catalog", query=query)
    return h.expect_status(r, 200).json()


def ids(hits):
    return [x["id"] for x in hits]


def isbn13(first12):
    """first12 + its ISBN-13 check digit."""
    s = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return first12 + str((10 - s % 10) % 10)


def isbn10(first9):
    s = sum(int(d) * (10 - i) for i, d in enumerate(first9))
    c = (11 - s % 11) % 11
    return first9 + ("X" if c == 10 else str(c))




def snap():
    """units, accounts, audit (login traces aside) and the catalogue's tables, as srv.db_snapshot()."""
    return srv.db_snapshot(audit_ignore=LOGIN_TRACES, extra=CATALOG_TABLES)


_units = {}


def unit_id(code):
    if not _units:
        _units.update((u["code"], u["id"]) for u in srv.sql("SELECT code, id FROM units"))
    return _units[code]


def counter(code, register):
    """The last accession number given in a register of a school (0: none yet)."""
    v = srv.sql_value("SELECT last FROM accession_counters WHERE unit_id = %d AND register = %s"
                      % (unit_id(code), h.sql_str(register)))
    return v or 0


def last_batch_number(code):
    return srv.sql_value("SELECT COALESCE(MAX(number), 0) AS n FROM acquisitions WHERE unit_id = %d"
                         % unit_id(code))


def today_vn():
    """Today in Vietnam (UTC+7), yyyy-mm-dd."""
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 7 * 3600))


def untranslated(body):
    text = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    text = re.sub(r"<code>.*?</code>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text)
    return sorted(set(h.untranslated(body)) | set(m.group(1) for m in _CAT_KEY_RE.finditer(text)))


def race(fns):
    """Run the functions in threads released at the same moment; their results (or exceptions)."""
    bar = threading.Barrier(len(fns))
    out = [None] * len(fns)

    def run(i):
        try:
            bar.wait(timeout=30)
            out[i] = fns[i]()
        except Exception as e:   # reported by the caller
            out[i] = e

    ts = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for t in ts:
        t.start()
    for t in ts:
        t.join(h.slow(60))
    return out


_sessions = {}


def connections(username, n):
    """n clients of username, each its own session (logged in once for the module) and its own
    open, kept-alive connection."""
    sessions = _sessions.setdefault(username, [])
    while len(sessions) < n:
        c = h.Client(srv)
        c.login(username)
        sessions.append((dict(c.cookies), c.csrf))
    out = []
    for cookies, csrf in sessions[:n]:
        c = h.Client(srv, keep=True)
        c.cookies, c.csrf, c.user = dict(cookies), csrf, username
        h.expect_status(c.get("/healthz"), 200)   # the connection is open before the race
        out.append(c)
    return out


# --- the search fixture ------------------------------------------------------------------------------

ISBN_TV = isbn13("978604000101")
ISBN10_DV = isbn10("604123456")


def make_search_fixture():
    """Records the search tests look for. Their words (tiếng việt, đại, truyện kiều, phân trang)
    appear in no other test's records."""
    c = client("thuthu.th001")
    fx["tv"] = created(c, "Tiếng Việt lớp Một", "SGK", authors="Nguyễn Minh Thuyết", year=2020,
                       isbn=ISBN_TV, copies=2, class_number="v23")
    fx["dv"] = created(c, "Đại Việt sử ký toàn thư", "STK", authors="Ngô Sĩ Liên", year=1998,
                       isbn=ISBN10_DV, copies=1)
    # Titles for ranking: alphabetically "Bình giảng ..." would come first.
    fx["kieu"] = created(c, "Truyện Kiều", "TN", authors="Nguyễn Du", year=2015)
    fx["kieu_cg"] = created(c, "Truyện Kiều chú giải", "STK", authors="Đào Duy Anh", year=2016)
    fx["kieu_bg"] = created(c, "Bình giảng Truyện Kiều", "TN", authors="Hoài Thanh", year=2017)
    fx["kieu_th"] = created(c, "Tìm hiểu Truyện Kiều", "TN", authors="Lê Trí Viễn", year=2018)
    fx["paging"] = [created(c, "Toán & Tin phân trang %02d" % i, "TN", copies=0) for i in range(1, 26)]
    # The same title in two other schools, for the scope of the search.
    fx["tv_thcs"] = created(client("thuthu.thcs001"), "Tiếng Việt lớp Một", "SGK", authors="Nguyễn Minh Thuyết",
                            year=2020, isbn=ISBN_TV, copies=1)
    fx["tv_lc"] = created(client("thuthu.lc001"), "Tiếng Việt lớp Một", "SGK", authors="Nguyễn Minh Thuyết",
                          year=2020, isbn=ISBN_TV, copies=1)


# --- cataloguing -------------------------------------------------------------------------------------

def test_librarian_catalogues_a_book_json_201():
    c = client("thuthu.th001")
    first = counter("TH001", "SNV") + 1
    batch = last_batch_number("TH001") + 1
    r = create(c, "  Hướng dẫn  dạy học môn Ngữ văn  ", "SNV", authors="Phạm Thị Thu Hương", publisher="NXB Giáo dục",
               place="Hà Nội", year=2021, isbn="0-306-40615-2", price=45000, class_number="807", call_number="8N3 H561",
               subjects="Ngữ văn; Phương pháp dạy học", series="Tủ sách giáo viên", grade=6, language="vie", copies=3)
    h.expect_status(r, 201)
    assert r.header("Content-Type", "").startswith("application/json"), h.describe(r)
    b = r.json()["biblio"]
    assert b["title"] == "Hướng dẫn  dạy học môn Ngữ văn", "title not trimmed: %r" % b["title"]
    want = {"doc_type": "SNV", "unit_code": "TH001", "authors": "Phạm Thị Thu Hương", "publisher": "NXB Giáo dục",
            "place": "Hà Nội", "year": 2021, "isbn": "9780306406157", "price": 45000, "class_number": "807",
            "call_number": "8N3 H561", "subjects": "Ngữ văn; Phương pháp dạy học", "series": "Tủ sách giáo viên",
            "grade": 6, "language": "vie", "ncopies": 3, "available": 3}
    got = {k: b.get(k) for k in want}
    assert got == want, "record differs:\n got %r\nwant %r" % (got, want)
    copies = b["copies"]
    assert [x["accession"] for x in copies] == ["SNV-%06d" % n for n in range(first, first + 3)], copies
    assert [x["barcode"] for x in copies] == ["SNV%06d" % n for n in range(first, first + 3)], copies
    assert all(x["status"] == "available" and x["price"] == 45000 and x["register"] == "SNV" for x in copies), copies
    assert all(x["status_label"] == h.vi("item.status.available") for x in copies), copies
    # The copies went to a new batch received today, with the school's next running number.
    acq = {x["acquisition_id"] for x in copies}
    assert len(acq) == 1, copies
    row = srv.sql("SELECT * FROM acquisitions WHERE id = %d" % acq.pop())[0]
    assert (row["unit_id"], row["number"], row["source"]) == (unit_id("TH001"), batch, "purchase"), row
    assert row["received"] in (today_vn(), time.strftime("%Y-%m-%d", time.gmtime(time.time() + 7 * 3600 - 60))), row
    # The database holds what the answer says; the folded columns are filled.
    db = srv.sql("SELECT * FROM biblios WHERE id = %d" % b["id"])[0]
    assert db["unit_id"] == unit_id("TH001") and db["isbn"] == "9780306406157" and db["created_by"] == \
        srv.account("thuthu.th001")["id"], db
    assert db["title_fold"] == "huong dan day hoc mon ngu van", db["title_fold"]
    assert db["authors_fold"] == "pham thi thu huong", db["authors_fold"]
    items = srv.sql("SELECT * FROM items WHERE biblio_id = %d ORDER BY accession_no" % b["id"])
    assert [(i["register"], i["accession_no"], i["unit_id"]) for i in items] == \
        [("SNV", n, unit_id("TH001")) for n in range(first, first + 3)], items
    # GET answers the same record.
    assert record(c, b["id"]) == b
    # Zero copies: a record without copies and without a batch.
    n_batches = last_batch_number("TH001")
    b2 = created(c, "Sổ tay thư viện trường học", "SNV", copies=0)
    assert b2["copies"] == [] and b2["ncopies"] == 0 and b2["year"] is None and b2["isbn"] == "", b2
    assert last_batch_number("TH001") == n_batches, "a record without copies opened a batch"


def test_librarian_catalogues_a_book_html_303():
    b = browser("thuthu.th001")
    form = h.expect_status(b.get("/catalog/new"), 200).text
    for name in ("title", "authors", "doc_type", "publisher", "place", "year", "isbn", "price", "copies",
                 "acquisition_id", "csrf"):
        assert 'name="%s"' % name in form, "the form has no field %s" % name
    for code in ("SGK", "SNV", "STK", "TN", "BAO", "BD", "TRANH", "NGHE", "SDT"):
        assert 'value="%s"' % code in form, "the form offers no doc type %s" % code
    assert not untranslated(form), "untranslated keys on /catalog/new: %r" % untranslated(form)
    first = counter("TH001", "STK") + 1
    r = create(b, "Lịch sử Sài Gòn – Chợ Lớn", "STK", json=False, authors="Sơn Nam", year=2004, copies=2)
    h.expect_status(r, 303)
    m = re.fullmatch(r"/catalog/(\d+)\?ok=created", r.header("Location") or "")
    assert m, "redirected to %r" % r.header("Location")
    bid = int(m.group(1))
    page = h.expect_status(b.get(r.header("Location")), 200).text
    assert h.in_html(h.vi("ok.biblio.created"), page), "no 'created' notice on the record's page"
    assert h.in_html("Lịch sử Sài Gòn – Chợ Lớn", page) and h.in_html("Sơn Nam", page)
    for n in (first, first + 1):
        assert "STK-%06d" % n in page and "STK%06d" % n in page, "copy STK-%06d not on the page" % n
    assert 'action="/catalog/%d/copies"' % bid in page, "the librarian gets no form to add copies"
    assert not untranslated(page), "untranslated keys on the record's page: %r" % untranslated(page)
    row = srv.sql("SELECT title, unit_id FROM biblios WHERE id = %d" % bid)[0]
    assert row == {"title": "Lịch sử Sài Gòn – Chợ Lớn", "unit_id": unit_id("TH001")}, row
    # Adding copies from the record's page: 303 back to it.
    r = b.post("/catalog/%d/copies" % bid, {"count": "1", "acquisition_id": "0", "price": ""})
    h.expect_status(r, 303)
    assert r.header("Location") == "/catalog/%d?ok=copies" % bid, r.header("Location")
    page = h.expect_status(b.get(r.header("Location")), 200).text
    assert h.in_html(h.vi("ok.biblio.copies"), page) and "STK-%06d" % (first + 2) in page
    # The search page and the batches' page, in both languages, translate everything.
    for path in ("/catalog", "/catalog?q=sai+gon", "/acquisitions"):
        for lang in ("vi", "en"):
            h.expect_status(b.post("/lang", {"lang": lang, "back": "/"}), 303)
            text = h.expect_status(b.get(path), 200).text
            assert not untranslated(text), "untranslated keys on %s (%s): %r" % (path, lang, untranslated(text))
    h.expect_status(b.post("/lang", {"lang": "vi", "back": "/"}), 303)


def test_validation_400_writes_nothing():
    c = client("thuthu.th001")
    long_title = "Nhan đề rất dài " * 40           # 640 characters
    cases = [
        ({"title": None}, "err.biblio.title"),
        ({"title": "   "}, "err.biblio.title"),
        ({"isbn": "0-306-40615-3"}, "err.isbn"),                  # ISBN-10, wrong check digit
        ({"isbn": "978-0-306-40615-8"}, "err.isbn"),              # ISBN-13, wrong check digit
        ({"isbn": isbn13("978604000101")[:-1] + "X"}, "err.isbn"),
        ({"isbn": "97806"}, "err.isbn"),                          # too short
        ({"isbn": "978-0-306-40615-7-1"}, "err.isbn"),            # too long
        ({"isbn": "ISBN abc"}, "err.isbn"),
        ({"year": "1399"}, "err.biblio.year"),
        ({"year": "2201"}, "err.biblio.year"),
        ({"year": "-2000"}, "err.biblio.year"),
        ({"year": "năm 2000"}, "err.number"),
        ({"year": "2000.5"}, "err.number"),
        ({"doc_type": "XYZ"}, "err.biblio.doc_type"),
        ({"doc_type": "stk"}, "err.biblio.doc_type"),
        ({"doc_type": None}, "err.biblio.doc_type"),
        ({"title": long_title}, "err.field.long"),
        ({"title": "á" * 501}, "err.field.long"),                # 501 letters, 1002 bytes
        ({"authors": "Tác Giả " * 80}, "err.field.long"),
        ({"grade": "13"}, "err.biblio.grade"),
        ({"language": "vi"}, "err.biblio.language"),
        ({"price": "-1"}, "err.price"),
        ({"price": "12.000đ"}, "err.number"),
        ({"copies": "1001"}, "err.items.count"),
        ({"copies": "-1"}, "err.items.count"),
    ]
    before = snap()
    for n, (fields, code) in enumerate(cases):
        f = {"title": "Sách kiểm tra %d" % n, "doc_type": "STK", "copies": "2"}
        f.update(fields)
        e = h.expect_error(c.post("/catalog", f), 400, code)
        assert e["message"] == h.vi(code), (fields, e)
    # Invalid UTF-8 in a field, as raw bytes the form encoder would not make.
    for body in (b"title=%FF%FEabc&doc_type=STK&copies=1", b"title=ok&authors=%C3%28&doc_type=STK&copies=1",
                 b"title=ok%ED%A0%80&doc_type=STK"):
        r = c.request("POST", "/catalog", body=body + b"&csrf=" + c.csrf.encode())
        h.expect_error(r, 400, "err.utf8")
    h.assert_unchanged(before, snap(), "invalid records")
    # A batch that does not exist, or is another school's: 404, and the record is not kept either.
    foreign = h.expect_status(client("thuthu.thcs001").post("/acquisitions", {"source": "gift"}), 201).json()["id"]
    before = snap()
    missing, theirs = (h.expect_error(create(c, "Sách lạc lần nhập", "STK", copies=1, acquisition_id=acq), 404)
                       for acq in (999999, foreign))
    assert missing == theirs, "another school's batch answers unlike a missing one: %r vs %r" % (theirs, missing)
    h.assert_unchanged(before, snap(), "refused records")
    # A browser gets the form back, with the message and what was typed.
    b = browser("thuthu.th001")
    before = snap()
    r = b.post("/catalog", {"title": "Sách có ISBN sai", "doc_type": "SGK", "isbn": "978-0-306-40615-8",
                            "authors": "Tác giả giữ lại"})
    h.expect_status(r, 400)
    assert h.in_html(h.vi("err.isbn"), r.text), "the form does not say the ISBN is wrong"
    assert h.in_html("Sách có ISBN sai", r.text) and h.in_html("Tác giả giữ lại", r.text) and \
        'value="978-0-306-40615-8"' in r.text, "the form lost what was typed"
    assert re.search(r'<option value="SGK" selected>', r.text), "the doc type chosen is not kept"
    r = b.post("/catalog", {"title": "", "doc_type": "STK"})
    h.expect_status(r, 400)
    assert h.in_html(h.vi("err.biblio.title"), r.text)
    h.assert_unchanged(before, snap(), "refused records (browser)")


def test_intake_batch_funding():
    """A batch says how it was paid for (the reports split intake value into the state budget and
    other funds): chosen in the form, else by its source; anything else is refused and writes nothing."""
    c = client("thuthu.th001")
    cases = [({"source": "purchase"}, "budget"), ({"source": "allocation"}, "budget"), ({"source": "gift"}, "other"),
             ({"source": "other"}, "other"), ({"source": "purchase", "funding": "other"}, "other"),
             ({"source": "gift", "funding": "budget"}, "budget")]
    for form, want in cases:
        aid = h.expect_status(c.post("/acquisitions", form), 201).json()["id"]
        got = h.expect_status(c.get("/acquisitions/%d" % aid), 200).json()["acquisition"]
        assert got["funding"] == want, (form, got)
        assert got["funding_label"] == h.vi("acq.funding." + want), got
        assert srv.sql_value("SELECT funding AS f FROM acquisitions WHERE id = %d" % got["id"]) == want
    before = snap()
    for bad in ("ngan sach", "BUDGET", "x" * 5000):
        e = h.expect_error(c.post("/acquisitions", {"source": "purchase", "funding": bad}), 400,
                           "err.acquisition.funding")
        assert e["message"] == h.vi("err.acquisition.funding"), e
    h.assert_unchanged(before, snap(), "bad funding")


def test_out_of_range_numbers_are_refused_not_wrapped():
    """year, copies, grade and count are read as 64-bit numbers and then cut to int: 2^32 + 2000
    must be refused, not stored as the year 2000 (nor 2^32 + 1 copies made 1)."""
    c = client("thuthu.th001")
    bid = created(c, "Sách số tràn", "STK")["id"]
    before = snap()
    bad = []
    for fields in ({"year": str(2 ** 32 + 2000)}, {"copies": str(2 ** 32 + 1)}, {"grade": str(2 ** 32 + 5)},
                   {"year": "99999999999999999999"}):
        f = {"title": "Sách số tràn %s" % list(fields)[0], "doc_type": "STK"}
        f.update(fields)
        r = c.post("/catalog", f)
        if r.status != 400:
            bad.append("POST /catalog %r: %s" % (fields, h.describe(r)[:160]))
    r = add_copies(c, bid, count=2 ** 32 + 2)
    if r.status != 400:
        bad.append("POST /catalog/%d/copies count=2^32+2: %s, copies now %d"
                   % (bid, h.describe(r)[:80], record(c, bid)["ncopies"]))
    assert not bad, "BUG: numbers beyond int are wrapped instead of refused:\n  " + "\n  ".join(bad)
    h.assert_unchanged(before, snap(), "out-of-range numbers")


def test_valid_isbns_are_normalised_to_isbn13():
    c = client("thuthu.th001")
    vn = isbn13("978604212345")
    f979 = isbn13("979109063607")
    cases = [
        ("0-306-40615-2", "9780306406157"),
        ("ISBN 0-8044-2957-X", "9780804429573"),
        ("080442957x", "9780804429573"),
        ("978-604-2-12345-" + vn[-1], vn),
        (" %s %s %s %s %s " % (f979[:3], f979[3:5], f979[5:10], f979[10:12], f979[12]), f979),
        ("ISBN: 978-0-306-40615-7", "9780306406157"),
    ]
    for n, (typed, want) in enumerate(cases):
        # allow_duplicate: the same ISBN twice on purpose.
        b = created(c, "Sách ISBN %d" % n, "STK", isbn=typed, allow_duplicate=1)
        assert b["isbn"] == want, "ISBN %r stored as %r, expected %r" % (typed, b["isbn"], want)


# --- duplicates -----------------------------------------------------------------------------------

def test_duplicates_409_with_duplicate_id():
    c = client("thuthu.th001")
    isbn = isbn13("978604000202")
    a = created(c, "Tuổi thơ dữ dội", "TN", authors="Phùng Quán", year=1988, isbn=isbn, copies=1)
    t = created(c, "Dế Mèn phiêu lưu ký", "TN", authors="Tô Hoài", year=2019)
    b = browser("thuthu.th001")
    before = snap()
    cases = [
        # The same ISBN, typed otherwise, whatever the title.
        (dict(title="Tuổi thơ dữ dội (tái bản)", isbn="%s-%s-%s" % (isbn[:3], isbn[3:6], isbn[6:])), a["id"]),
        # The same title, authors and year once folded: marks, case and spaces do not matter.
        (dict(title="TUOI THO DU DOI", authors="phùng  QUÁN", year=1988), a["id"]),
        (dict(title="Dế mèn phiêu lưu ký", authors="To Hoai", year=2019), t["id"]),
        (dict(title="  de men phieu luu ky ", authors="TÔ HOÀI", year=2019, copies=3), t["id"]),
    ]
    for fields, dup in cases:
        r = c.post("/catalog", dict({"doc_type": "TN"}, **{k: str(v) for k, v in fields.items()}))
        e = h.expect_error(r, 409, "err.biblio.duplicate")
        assert e.get("duplicate_id") == dup, "duplicate_id %r, expected %r: %r" % (e.get("duplicate_id"), dup, e)
        assert e["message"] == h.vi("err.biblio.duplicate"), e
    h.assert_unchanged(before, snap(), "duplicates")
    # A browser is offered the existing record and the box to create another one anyway.
    r = create(b, "Dế Mèn phiêu lưu ký", "TN", json=False, authors="Tô Hoài", year=2019)
    h.expect_status(r, 409)
    assert 'href="/catalog/%d"' % t["id"] in r.text, "the 409 page does not link the existing record"
    assert 'name="allow_duplicate"' in r.text and h.in_html(h.vi("err.biblio.duplicate"), r.text)
    h.assert_unchanged(before, snap(), "a browser's duplicate")
    # Not duplicates: another year, other authors.
    created(c, "Dế Mèn phiêu lưu ký", "TN", authors="Tô Hoài", year=2020)
    created(c, "Dế Mèn phiêu lưu ký", "TN", authors="Tô Hoài, Tạ Huy Long", year=2019)
    # allow_duplicate=1 creates it anyway (a second edition with the same ISBN, say).
    d = created(c, "Tuổi thơ dữ dội", "TN", authors="Phùng Quán", year=1988, isbn=isbn, allow_duplicate=1)
    assert d["id"] not in (a["id"], t["id"]) and d["isbn"] == isbn, d
    # allow_duplicate is only "1".
    h.expect_error(create(c, "Tuổi thơ dữ dội", "TN", authors="Phùng Quán", year=1988, allow_duplicate="yes"), 409)
    # Duplicates are per school: another school catalogues the same book, and never learns of ours.
    other = created(client("thuthu.thcs001"), "Tuổi thơ dữ dội", "TN", authors="Phùng Quán", year=1988, isbn=isbn)
    assert other["unit_code"] == "THCS001" and other["id"] != a["id"], other


def test_concurrent_duplicate_submissions_create_one_record():
    """A double click on "save" (or two tabs) sends the same record twice at once: one record,
    the others answer 409 with its id. Four rounds of 8 (a race may be missed once): by ISBN,
    and by title, authors and year."""
    conns = connections("thuthu.th001", 8)
    bad = []
    for n in range(4):
        if n % 2 == 0:
            isbn = isbn13("97860400030%d" % n)
            fields = {"title": "Bỉ vỏ (lần %d)" % n, "authors": "Nguyên Hồng", "isbn": isbn}
            where = "isbn = %s" % h.sql_str(isbn)
        else:
            fields = {"title": "Vợ nhặt lần %d" % n, "authors": "Kim Lân", "year": "1962"}
            where = "title = %s" % h.sql_str(fields["title"])
        fields.update({"doc_type": "STK", "copies": "1"})
        out = race([lambda k=k: k.post("/catalog", fields) for k in conns])
        errors = [x for x in out if isinstance(x, Exception)]
        assert not errors, "requests failed: %r" % errors
        statuses = sorted(r.status for r in out)
        rows = srv.sql("SELECT id FROM biblios WHERE %s ORDER BY id" % where)
        if statuses != [201] + [409] * 7 or len(rows) != 1:
            bad.append("round %d (%s): statuses %r, %d records (ids %r)" % (
                n, "ISBN" if "isbn" in fields else "title+authors+year", statuses, len(rows), [x["id"] for x in rows]))
            continue
        for r in out:
            if r.status == 409:
                assert r.json()["error"]["duplicate_id"] == rows[0]["id"], r.json()
    for k in conns:
        k.close()
    assert not bad, "BUG (%s): 8 concurrent submissions of one record:\n  %s" % (h.BACKEND, "\n  ".join(bad))


# --- accession numbers -------------------------------------------------------------------------------

def test_accession_numbers_continue_per_register():
    c = client("thuthu.th001")
    sgk = counter("TH001", "SGK")
    a = created(c, "Toán 1 (tập một)", "SGK", copies=2, price=12000)
    b = created(c, "Toán 1 (tập hai)", "SGK", copies=3)
    assert [x["accession"] for x in a["copies"]] == ["SGK-%06d" % n for n in (sgk + 1, sgk + 2)], a["copies"]
    assert [x["accession"] for x in b["copies"]] == ["SGK-%06d" % n for n in range(sgk + 3, sgk + 6)], b["copies"]
    # Another register has its own sequence, untouched by SGK.
    stk = counter("TH001", "STK")
    s = created(c, "Từ điển bách khoa phổ thông", "STK", copies=1)
    assert [x["accession"] for x in s["copies"]] == ["STK-%06d" % (stk + 1)], s["copies"]
    assert counter("TH001", "SGK") == sgk + 5
    # Maps and pictures are numbered in one register, TB (teaching aids).
    tb = counter("TH001", "TB")
    m = created(c, "Bản đồ hành chính Việt Nam", "BD", copies=2)
    p = created(c, "Tranh Bác Hồ với thiếu nhi", "TRANH", copies=1)
    assert [(x["register"], x["accession"], x["barcode"]) for x in m["copies"] + p["copies"]] == \
        [("TB", "TB-%06d" % n, "TB%06d" % n) for n in range(tb + 1, tb + 4)], m["copies"] + p["copies"]
    # More copies later continue the register, whichever record they belong to.
    h.expect_redirect(add_copies(c, a["id"], count=2), "/catalog/%d?ok=copies" % a["id"])
    a2 = record(c, a["id"])
    assert [x["accession"] for x in a2["copies"]] == ["SGK-%06d" % n for n in (sgk + 1, sgk + 2, sgk + 6, sgk + 7)]
    assert all(x["price"] == 12000 for x in a2["copies"]), "copies without a price take the record's"
    assert a2["ncopies"] == 4 and a2["available"] == 4
    # Registers are per school: THCS001 numbers its own, from its own counter.
    thcs = counter("THCS001", "SGK")
    o = created(client("thuthu.thcs001"), "Toán 1 (tập một)", "SGK", copies=1)
    assert o["copies"][0]["accession"] == "SGK-%06d" % (thcs + 1), o["copies"]
    assert counter("TH001", "SGK") == sgk + 7
    # The database agrees: every (school, register, number) and (school, barcode) once.
    dup = srv.sql("SELECT unit_id, register, accession_no, COUNT(*) AS n FROM items "
                  "GROUP BY unit_id, register, accession_no HAVING COUNT(*) > 1")
    assert not dup, dup
    bad = srv.sql("SELECT id, register, accession_no, accession, barcode FROM items")
    for it in bad:
        assert it["accession"] == "%s-%06d" % (it["register"], it["accession_no"]) and \
            it["barcode"] == "%s%06d" % (it["register"], it["accession_no"]), it


def test_add_copies_to_a_chosen_batch_with_a_price():
    c = client("thuthu.th001")
    bid = created(c, "Truyện cổ tích Việt Nam chọn lọc", "TN", price=30000)["id"]
    acq = h.expect_status(c.post("/acquisitions", {"received": "2026-09-05", "source": "allocation",
                                                   "doc_number": "QĐ 12/2026", "supplier": "Sở GD&ĐT"}), 201).json()["id"]
    h.expect_redirect(add_copies(c, bid, count=3, acquisition_id=acq, price=25000))
    h.expect_redirect(add_copies(c, bid, count=1, acquisition_id=acq))
    b = record(c, bid)
    assert [x["price"] for x in b["copies"]] == [25000, 25000, 25000, 30000], b["copies"]
    assert {x["acquisition_id"] for x in b["copies"]} == {acq}
    q = h.expect_status(c.get("/acquisitions/%d" % acq), 200).json()["acquisition"]
    assert (q["copies"], q["value"], q["source"], q["doc_number"], q["received"]) == \
        (4, 3 * 25000 + 30000, "allocation", "QĐ 12/2026", "2026-09-05"), q
    assert q["source_label"] == h.vi("acq.source.allocation"), q


def test_add_copies_refused_with_a_batch_writes_nothing():
    c = client("thuthu.th001")
    bid = created(c, "Sách thêm bản bị từ chối", "STK", copies=1)["id"]
    acq = h.expect_status(c.post("/acquisitions", {}), 201).json()["id"]
    foreign_acq = h.expect_status(client("thuthu.thcs001").post("/acquisitions", {}), 201).json()["id"]
    foreign_bib = fx["tv_thcs"]["id"]
    before = snap()
    for fields, status, code in [
        ({"count": "0"}, 400, "err.items.count"),
        ({"count": "1001"}, 400, "err.items.count"),
        ({"count": "-3"}, 400, "err.items.count"),
        ({"count": "hai"}, 400, "err.number"),
        ({"count": "1", "price": "-5"}, 400, "err.price"),
        ({"count": "1", "price": "free"}, 400, "err.number"),
        ({"count": "1", "acquisition_id": "999999"}, 404, None),
        ({"count": "1", "acquisition_id": str(foreign_acq)}, 404, None),
    ]:
        f = dict({"acquisition_id": str(acq)}, **fields)
        h.expect_error(c.post("/catalog/%d/copies" % bid, f), status, code)
    missing = h.expect_error(add_copies(c, bid, count=1, acquisition_id=999999), 404)
    assert h.expect_error(add_copies(c, bid, count=1, acquisition_id=foreign_acq), 404) == missing
    for f in ({"count": "1"}, {"count": "1", "acquisition_id": str(acq)},
              {"count": "1", "acquisition_id": str(foreign_acq)}):
        h.expect_error(c.post("/catalog/%d/copies" % foreign_bib, f), 404)
        h.expect_error(c.post("/catalog/999999/copies", f), 404)
    h.assert_unchanged(before, snap(), "refused copies")


def test_add_copies_refused_without_a_batch_opens_no_batch():
    """acquisition_id=0 means "a new batch today"; a request refused for its count or price
    must not leave that batch behind (nor burn a running number of the general register)."""
    c = client("thuthu.th001")
    bid = created(c, "Sách thêm bản không lần nhập", "STK")["id"]
    before = snap()
    for fields in ({"count": "0"}, {"count": "1001"}, {"count": "2", "price": "-5"}):
        r = c.post("/catalog/%d/copies" % bid, dict({"acquisition_id": "0"}, **fields))
        h.expect_status(r, 400)
    d = h.snapshot_diff(before, snap())
    assert not d, "BUG: refused POST /catalog/:id/copies with acquisition_id=0 still opened a batch:\n" + d


def test_concurrent_copies_get_one_gap_free_range():
    """8 requests adding 5 copies each, at the same moment: 40 numbers, all distinct, one range
    without gaps, each request's 5 consecutive; the same for new records with copies."""
    c = client("thuthu.th001")
    conns = connections("thuthu.th001", 8)
    # A register no copy has used yet (its counter row is made by the first request), then the
    # same register again, all into one chosen batch.
    bid = created(c, "Sách điện tử: Tuyển tập truyện ngắn", "SDT", copies=0)["id"]
    assert counter("TH001", "SDT") == 0
    acq = h.expect_status(c.post("/acquisitions", {"source": "gift"}), 201).json()["id"]
    batch_before = last_batch_number("TH001")
    for round_, acq_id in ((1, 0), (2, acq)):
        first = counter("TH001", "SDT") + 1
        out = race([lambda k=k: k.post("/catalog/%d/copies" % bid, {"count": "5", "acquisition_id": str(acq_id)})
                    for k in conns])
        bad = [x if isinstance(x, Exception) else h.describe(x) for x in out
               if isinstance(x, Exception) or x.status != 200]
        assert not bad, "round %d: requests failed: %r" % (round_, bad)
        items = srv.sql("SELECT accession_no, accession, barcode, acquisition_id FROM items WHERE biblio_id = %d "
                        "AND accession_no >= %d ORDER BY accession_no" % (bid, first))
        nums = [i["accession_no"] for i in items]
        assert nums == list(range(first, first + 40)), "round %d: numbers %r" % (round_, nums)
        assert len({i["barcode"] for i in items}) == 40 and len({i["accession"] for i in items}) == 40
        assert counter("TH001", "SDT") == first + 39
        # Each request's audit row names 5 consecutive numbers, and together they tile the range.
        rows = srv.audit("action = 'items.add' AND entity_id = %d" % bid)[-8:]
        ranges = sorted(tuple(int(x) for x in re.search(r"SDT-(\d+)\.\.(\d+)", r["detail"]).groups()) for r in rows)
        assert ranges == [(first + 5 * i, first + 5 * i + 4) for i in range(8)], ranges
        if acq_id:
            assert {i["acquisition_id"] for i in items} == {acq}
        else:   # each request opened its own batch, with distinct running numbers
            batches = sorted(set(i["acquisition_id"] for i in items))
            assert len(batches) == 8, batches
            numbers = sorted(x["number"] for x in srv.sql("SELECT number FROM acquisitions WHERE id IN (%s)"
                                                          % ",".join(map(str, batches))))
            assert numbers == list(range(batch_before + 1, batch_before + 9)), numbers
    assert record(c, bid)["ncopies"] == 80
    # New records with copies, at once: 8 records, 3 copies each, one range of the TN register.
    first = counter("TH001", "TN") + 1
    out = race([lambda i=i, k=k: k.post("/catalog", {"title": "Truyện đồng thời %d" % i, "doc_type": "TN",
                                                     "copies": "3"}) for i, k in enumerate(conns)])
    bad = [x if isinstance(x, Exception) else h.describe(x) for x in out if isinstance(x, Exception) or x.status != 201]
    assert not bad, "concurrent records failed: %r" % bad
    nums = sorted(x["accession_no"] for r in out for x in r.json()["biblio"]["copies"])
    assert nums == list(range(first, first + 24)), nums
    for r in out:
        own = [x["accession_no"] for x in r.json()["biblio"]["copies"]]
        assert own == list(range(own[0], own[0] + 3)), "a record's copies are not consecutive: %r" % own
    numbers = [x["number"] for x in srv.sql("SELECT number FROM acquisitions WHERE unit_id = %d ORDER BY number"
                                            % unit_id("TH001"))]
    assert numbers == list(range(1, len(numbers) + 1)), "the general register's numbers have gaps: %r" % numbers
    for k in conns:
        k.close()
    h.assert_healthy(srv, "concurrent writes")


# --- intake batches ------------------------------------------------------------------------------

def test_acquisitions_running_numbers():
    c = client("thuthu.th001")
    n = last_batch_number("TH001")
    r = c.post("/acquisitions", {"received": "2026-08-20", "source": "purchase", "doc_number": "HĐ 0042",
                                 "doc_date": "2026-08-18", "supplier": "Nhà sách Fahasa", "note": "Đợt đầu năm học"})
    h.expect_status(r, 201)
    aid = r.json()["id"]
    q = h.expect_status(c.get("/acquisitions/%d" % aid), 200).json()["acquisition"]
    want = {"id": aid, "number": n + 1, "received": "2026-08-20", "source": "purchase", "doc_number": "HĐ 0042",
            "doc_date": "2026-08-18", "supplier": "Nhà sách Fahasa", "note": "Đợt đầu năm học", "copies": 0, "value": 0,
            "source_label": h.vi("acq.source.purchase"), "funding": "budget",
            "funding_label": h.vi("acq.funding.budget")}
    assert q == want, "batch differs:\n got %r\nwant %r" % (q, want)
    # The default: received today (in Vietnam), bought.
    r = c.post("/acquisitions", {"received": "", "doc_date": ""})
    q2 = h.expect_status(c.get("/acquisitions/%d" % h.expect_status(r, 201).json()["id"]), 200).json()["acquisition"]
    assert q2["number"] == n + 2 and q2["source"] == "purchase" and q2["doc_date"] is None, q2
    assert q2["received"] in (today_vn(), time.strftime("%Y-%m-%d", time.gmtime(time.time() + 7 * 3600 - 60))), q2
    # Refused batches take no number: the next one is n + 3.
    before = snap()
    for fields, code in [({"received": "2026-02-29"}, "err.date"), ({"received": "2026-13-01"}, "err.date"),
                         ({"received": "20-08-2026"}, "err.date"), ({"received": "hôm nay"}, "err.date"),
                         ({"received": "2026-04-31"}, "err.date"), ({"doc_date": "2026/08/18"}, "err.date"),
                         ({"source": "stolen"}, "err.acquisition.source"),
                         ({"supplier": "x" * 201}, "err.field.long"), ({"note": "y" * 1001}, "err.field.long")]:
        h.expect_error(c.post("/acquisitions", fields), 400, code)
    h.assert_unchanged(before, snap(), "refused batches")
    # A browser: 303 to the new batch, whose page says its number.
    b = browser("thuthu.th001")
    r = b.post("/acquisitions", {"received": "2024-02-29", "source": "gift", "supplier": "Hội cha mẹ học sinh"})
    h.expect_status(r, 303)
    m = re.fullmatch(r"/acquisitions/(\d+)", r.header("Location") or "")
    assert m, r.header("Location")
    page = h.expect_status(b.get(r.header("Location")), 200).text
    assert h.in_html("%s %d" % (h.vi("acq.batch"), n + 3), page), "the batch's page does not show number %d" % (n + 3)
    assert h.in_html(h.vi("acq.source.gift"), page) and h.in_html("Hội cha mẹ học sinh", page)
    assert not untranslated(page), untranslated(page)
    # The list: newest first, only the school's own, numbers never repeated.
    lst = h.expect_status(c.get("/acquisitions"), 200).json()
    assert lst["can_write"] is True
    got = lst["acquisitions"]
    assert [x["id"] for x in got] == sorted((x["id"] for x in got), reverse=True)
    mine = srv.sql("SELECT id FROM acquisitions WHERE unit_id = %d ORDER BY id DESC LIMIT 100" % unit_id("TH001"))
    assert [x["id"] for x in got] == [x["id"] for x in mine], "the list is not TH001's batches"
    assert len({x["number"] for x in got}) == len(got)
    # Another school's numbers are its own.
    t = client("thuthu.thcs001")
    k = last_batch_number("THCS001")
    r = h.expect_status(t.post("/acquisitions", {"source": "other"}), 201)
    assert h.expect_status(t.get("/acquisitions/%d" % r.json()["id"]), 200).json()["acquisition"]["number"] == k + 1


def test_acquisition_dates_must_be_canonical():
    """received and doc_date are yyyy-mm-dd (they sort as text); sscanf's leniency lets other
    spellings of the right length through, stored as typed."""
    c = client("thuthu.th001")
    before = snap()
    bad = []
    for fields in ({"received": " 2026-01-1"}, {"received": "2026-+1-01"}, {"received": "2026-1-+01"},
                   {"doc_date": "+026-01-01"}, {"doc_date": "2026- 1-01"}):
        r = c.post("/acquisitions", fields)
        if r.status != 400:
            bad.append("%r: %s" % (fields, h.describe(r)[:80]))
    assert not bad, "BUG: malformed dates accepted by POST /acquisitions:\n  " + "\n  ".join(bad)
    h.assert_unchanged(before, snap(), "malformed dates")


# --- search ------------------------------------------------------------------------------------------

def test_search_without_diacritics():
    c = client("thuthu.th001")
    tv, dv = fx["tv"]["id"], fx["dv"]["id"]
    for q in ("tieng viet", "Tiếng Việt", "TIENG VIET", "  tiếng   việt ", "viet tieng lop mot", "thuyet"):
        j = search(c, q=q)
        assert ids(j["hits"]) == [tv] and j["total"] == 1, "%r found %r" % (q, [x["title"] for x in j["hits"]])
    for q in ("dai", "Đại", "ĐẠI VIỆT", "dai viet su ky", "ngo si lien"):
        j = search(c, q=q)
        assert dv in ids(j["hits"]), "%r did not find 'Đại Việt sử ký toàn thư': %r" % (q, j["hits"])
    # Every word must occur.
    assert search(c, q="tieng viet kieu")["total"] == 0
    # The hit's shape.
    hit = search(c, q="tieng viet lop mot")["hits"][0]
    want = {"id": tv, "title": "Tiếng Việt lớp Một", "authors": "Nguyễn Minh Thuyết", "year": 2020, "isbn": ISBN_TV,
            "doc_type": "SGK", "unit_code": "TH001", "ncopies": 2, "available": 2}
    assert {k: hit.get(k) for k in want} == want, hit
    assert [x["accession"] for x in hit["copies"]] == [x["accession"] for x in fx["tv"]["copies"]], hit["copies"]
    assert set(hit["copies"][0]) >= {"id", "accession", "barcode", "status"}, hit["copies"][0]


def test_search_by_isbn_barcode_and_accession():
    c = client("thuthu.th001")
    tv, dv = fx["tv"], fx["dv"]
    dv13 = isbn13("978" + ISBN10_DV[:9])
    for q, want in [(ISBN_TV, tv), ("%s-%s-%s-%s" % (ISBN_TV[:3], ISBN_TV[3:6], ISBN_TV[6:12], ISBN_TV[12:]), tv),
                    ("ISBN " + ISBN_TV, tv), (ISBN10_DV, dv), (ISBN10_DV[:3] + "-" + ISBN10_DV[3:], dv), (dv13, dv)]:
        j = search(c, q=q)
        assert ids(j["hits"]) == [want["id"]], "ISBN %r found %r" % (q, [x["title"] for x in j["hits"]])
    for copy in tv["copies"] + dv["copies"]:
        owner = tv if copy in tv["copies"] else dv
        for q in (copy["barcode"], copy["barcode"].lower(), copy["accession"], copy["accession"].lower(),
                  " %s " % copy["barcode"]):
            j = search(c, q=q)
            assert ids(j["hits"]) == [owner["id"]], "%r found %r" % (q, [x["title"] for x in j["hits"]])
    # A barcode of another school (THCS001 numbers its SGK register from 1 too) finds only ours.
    theirs = fx["tv_thcs"]["copies"][0]["barcode"]
    assert all(x["unit_code"] == "TH001" for x in search(c, q=theirs)["hits"])
    # A number that is no copy's finds nothing.
    assert search(c, q="SGK999999")["total"] == 0
    # LIKE's wildcards are plain characters.
    for q in ("%", "_", "%%", "\\"):
        assert search(c, q=q)["total"] == 0, "%r matched records" % q


def test_search_by_class_number_on_both_backends():
    """The class number is part of the searched text (search.c): "V23" finds the record whose
    class number is v23, whatever the backend (SQLite's LIKE ignores ASCII case, PostgreSQL's
    does not, and search_fold keeps the class number unfolded)."""
    c = client("thuthu.th001")
    r = created(c, "Giáo trình phân loại mẫu", "STK", class_number="V23.1")
    got = {q: ids(search(c, q=q)["hits"]) for q in ("v23.1", "V23.1")}
    assert all(r["id"] in v for v in got.values()), \
        "BUG (%s): a class number with capitals is not found by every spelling: %r" % (h.BACKEND, got)


def test_search_exact_title_first():
    c = client("thuthu.th001")
    j = search(c, q="truyen kieu")
    want = [fx[k]["id"] for k in ("kieu", "kieu_cg", "kieu_bg", "kieu_th")]
    assert ids(j["hits"]) == want, "order %r, expected exact title, then the title it starts, then by title" % (
        [x["title"] for x in j["hits"]])
    assert j["total"] == 4
    j = search(c, q="Truyện Kiều chú giải")
    assert ids(j["hits"])[0] == fx["kieu_cg"]["id"], [x["title"] for x in j["hits"]]


def test_search_type_filter_and_paging():
    c = client("thuthu.th001")
    j = search(c, q="truyen kieu", type="TN")
    assert ids(j["hits"]) == [fx[k]["id"] for k in ("kieu", "kieu_bg", "kieu_th")], [x["title"] for x in j["hits"]]
    assert j["total"] == 3 and j["type"] == "TN"
    assert [t["code"] for t in j["types"] if t["selected"]] == ["TN"], j["types"]
    assert ids(search(c, q="truyen kieu", type="STK")["hits"]) == [fx["kieu_cg"]["id"]]
    assert search(c, q="truyen kieu", type="XYZ")["total"] == 0
    # An empty query with a type lists the school's records of that type.
    n = srv.sql_value("SELECT COUNT(*) AS n FROM biblios WHERE unit_id = %d AND doc_type = 'SGK'" % unit_id("TH001"))
    j = search(c, type="SGK")
    assert j["total"] == n and all(x["doc_type"] == "SGK" and x["unit_code"] == "TH001" for x in j["hits"]), j["total"]
    # Paging: 25 records, 20 a page, in title order.
    p1 = search(c, q="phan trang")
    p2 = search(c, q="phan trang", page=2)
    p3 = search(c, q="phan trang", page=3)
    want = [x["id"] for x in fx["paging"]]
    assert p1["total"] == p2["total"] == 25, (p1["total"], p2["total"])
    assert ids(p1["hits"]) == want[:20] and ids(p2["hits"]) == want[20:], \
        (ids(p1["hits"]), ids(p2["hits"]), want)
    assert p1.get("next") == 2 and "prev" not in p1, {k: p1.get(k) for k in ("page", "prev", "next")}
    assert p2.get("prev") == 1 and "next" not in p2, {k: p2.get(k) for k in ("page", "prev", "next")}
    assert p3["hits"] == [] and p3["total"] == 25
    # Pages that are no page number: the first page (or a 400), never an error of the server.
    for page in ("0", "-1", "abc", "10001", "99999999999999999999"):
        r = c.get("/catalog", query={"q": "phan trang", "page": page})
        h.expect_status(r, 200, 400)
        if r.status == 200:
            assert ids(r.json()["hits"]) == want[:20], "page=%s: %r" % (page, ids(r.json()["hits"]))


def test_search_pager_links_keep_the_query():
    """The browser's "next page" link carries the query: following it shows page 2 of the same
    search, even when the query holds characters that mean something in a URL (&, +, #)."""
    b = browser("thuthu.th001")
    bad = []
    for q in ("phân trang", "toán & tin"):
        want = search(client("thuthu.th001"), q=q, page=2)
        if want["total"] <= 20:
            continue
        page = h.expect_status(b.get("/catalog", query={"q": q}), 200).text
        m = re.search(r'<a href="(/catalog\?page=2[^"]*)"', page)
        assert m, "no link to page 2 for %r" % q
        href = html.unescape(m.group(1))
        # A browser sends what the href says (percent-encoding only what may not stand in a URL).
        href = urllib.parse.quote(href, safe="/?&=+%#")
        href = href.split("#")[0]
        got = h.expect_status(b.get(href, json=True), 200).json()
        if ids(got["hits"]) != ids(want["hits"]) or got["q"] != q:
            bad.append("%r: link %r searches %r (%d hits), not page 2 of %r" % (q, m.group(1), got["q"], got["total"], q))
    assert not bad, "BUG: pager links lose the query:\n  " + "\n  ".join(bad)


def test_search_page_html():
    b = browser("thuthu.th001")
    page = h.expect_status(b.get("/catalog", query={"q": "tieng viet"}), 200).text
    assert 'href="/catalog/%d"' % fx["tv"]["id"] in page and h.in_html("Tiếng Việt lớp Một", page)
    assert 'value="tieng viet"' in page, "the search box lost the query"
    assert 'href="/catalog/new"' in page, "the librarian gets no link to catalogue a book"
    assert not untranslated(page), untranslated(page)
    page = h.expect_status(b.get("/catalog", query={"q": "khong co sach nao nhu the"}), 200).text
    assert h.in_html(h.vi("catalog.none"), page)
    # Bad queries.
    c = client("thuthu.th001")
    h.expect_error(c.get("/catalog", query={"q": "a" * 501}), 400)
    h.expect_error(c.get("/catalog?q=%C3%28"), 400, "err.utf8")


# --- who may read and write ----------------------------------------------------------------------------

def test_leader_and_school_admin_read_but_do_not_write():
    tv = fx["tv"]["id"]
    acq = fx["tv"]["copies"][0]["acquisition_id"]
    for user in ("bgh.th001", "quantri.th001"):   # log in first: a login changes the account's row
        client(user)
    browsers = {user: browser(user) for user in ("bgh.th001", "quantri.th001")}
    before = snap()
    for user in ("bgh.th001", "quantri.th001"):
        c = client(user)
        j = search(c, q="tieng viet")
        assert ids(j["hits"]) == [tv] and j["can_write"] is False, (user, j)
        j = h.expect_status(c.get("/catalog/%d" % tv), 200).json()
        assert j["biblio"]["id"] == tv and j["can_write"] is False, (user, j)
        h.expect_status(c.get("/acquisitions/%d" % acq), 200)
        lst = h.expect_status(c.get("/acquisitions"), 200).json()
        assert lst["can_write"] is False and acq in [x["id"] for x in lst["acquisitions"]], (user, lst["can_write"])
        h.expect_error(c.get("/catalog/new"), 403, "err.catalog.write")
        h.expect_error(create(c, "Sách của lãnh đạo", "STK", copies=1), 403, "err.catalog.write")
        for f in ({"count": "1"}, {"count": "1", "acquisition_id": str(acq)}):
            h.expect_error(add_copies(c, tv, **f), 403, "err.catalog.write")
        h.expect_error(c.post("/acquisitions", {"source": "gift"}), 403, "err.catalog.write")
        # The record's page offers no form to add copies.
        b = browsers[user]
        page = h.expect_status(b.get("/catalog/%d" % tv), 200).text
        assert "/copies" not in page and 'href="/catalog/new"' not in b.get("/catalog").text, user
    h.assert_unchanged(before, snap(), "reads and refused writes of a leader and a school admin")


def test_reader_gets_403_everywhere():
    c = client("bandoc.th001")
    tv = fx["tv"]["id"]
    acq = fx["tv"]["copies"][0]["acquisition_id"]
    b = browser("bandoc.th001")
    before = snap()
    for path in ("/catalog", "/catalog?q=tieng+viet", "/catalog/%d" % tv, "/catalog/new", "/acquisitions",
                 "/acquisitions/%d" % acq):
        e = h.expect_error(c.get(path), 403)
        assert e["code"] in ("err.forbidden", "err.catalog.write"), (path, e)
    for path, f in (("/catalog", {"title": "Sách bạn đọc", "doc_type": "STK"}), ("/catalog/%d/copies" % tv, {"count": "1"}),
                    ("/acquisitions", {})):
        h.expect_error(c.post(path, f), 403)
    r = b.get("/catalog")
    h.expect_status(r, 403)
    assert "Tiếng Việt lớp Một" not in r.text
    h.assert_unchanged(before, snap(), "a reader's requests")


def test_offices_read_their_districts_schools_only():
    tv, thcs, lc = fx["tv"]["id"], fx["tv_thcs"]["id"], fx["tv_lc"]["id"]
    expect = {
        "phong1.chuyenvien": {tv, thcs},
        "phong1.admin": {tv, thcs},
        "phong2.admin": {lc},
        "phong2.chuyenvien": {lc},
        "so.chuyenvien": {tv, thcs, lc},
        "thuthu.thcs001": {thcs},
        "thuthu.lc001": {lc},
    }
    code_of = {tv: "TH001", thcs: "THCS001", lc: "LC001"}
    for user in list(expect) + ["admin"]:
        client(user)   # log in before the snapshot: a login changes the account's row
    # The same barcode (SGK000001) exists in every school that numbers SGK copies.
    bc = fx["tv"]["copies"][0]["barcode"]
    having = {x["code"] for x in srv.sql("SELECT DISTINCT u.code FROM items i JOIN units u ON u.id = i.unit_id "
                                         "WHERE i.barcode = %s" % h.sql_str(bc))}
    assert {"TH001", "THCS001", "LC001"} <= having, having
    before = snap()
    for user, want in expect.items():
        c = client(user)
        got = set(ids(search(c, q="tieng viet lop mot")["hits"]))
        assert got == want, "%s finds %r, expected %r" % (user, got, want)
        # By barcode: only the visible schools' copies of it.
        units = {x["unit_code"] for x in search(c, q=bc)["hits"]}
        assert units == having & {code_of[i] for i in want}, "%s: barcode %s found in %r" % (user, bc, units)
        for bid in (tv, thcs, lc):
            r = c.get("/catalog/%d" % bid)
            if bid in want:
                h.expect_status(r, 200)
            else:
                e = h.expect_error(r, 404, "err.biblio.notfound")
                assert e == h.expect_error(c.get("/catalog/999999"), 404), "a foreign record answers unlike a missing one"
        for rec in (fx["tv"], fx["tv_thcs"], fx["tv_lc"]):
            aid = rec["copies"][0]["acquisition_id"]
            r = c.get("/acquisitions/%d" % aid)
            h.expect_status(r, 200 if rec["id"] in want else 404)
        listed = {x["id"] for x in h.expect_status(c.get("/acquisitions"), 200).json()["acquisitions"]}
        own = {rec["copies"][0]["acquisition_id"] for rec in (fx["tv"], fx["tv_thcs"], fx["tv_lc"]) if rec["id"] in want}
        foreign = {rec["copies"][0]["acquisition_id"] for rec in (fx["tv"], fx["tv_thcs"], fx["tv_lc"])} - own
        assert not listed & foreign, "%s lists another district's batches %r" % (user, listed & foreign)
    # Offices, the department and the sysadmin read but never write.
    for user in ("phong1.chuyenvien", "phong1.admin", "so.chuyenvien", "admin"):
        c = client(user)
        h.expect_error(create(c, "Sách của phòng", "STK"), 403, "err.catalog.write")
        h.expect_error(add_copies(c, tv, count=1), 403, "err.catalog.write")
        h.expect_error(c.post("/acquisitions", {}), 403, "err.catalog.write")
        h.expect_error(c.get("/catalog/new"), 403, "err.catalog.write")
    h.assert_unchanged(before, snap(), "the offices' requests")


def test_librarian_cannot_touch_another_schools_catalogue():
    c = client("thuthu.th001")
    theirs = fx["tv_thcs"]
    their_acq = theirs["copies"][0]["acquisition_id"]
    mine = created(c, "Sách của TH001 để thử lần nhập lạ", "STK")["id"]
    b = browser("thuthu.th001")
    before = snap()
    missing = h.expect_error(c.get("/catalog/999999"), 404)
    assert h.expect_error(c.get("/catalog/%d" % theirs["id"]), 404) == missing
    assert h.expect_error(c.get("/acquisitions/%d" % their_acq), 404) == \
        h.expect_error(c.get("/acquisitions/999999"), 404), "a foreign batch answers unlike a missing one"
    for f in ({"count": "1"}, {"count": "1", "acquisition_id": str(their_acq)}):
        h.expect_error(add_copies(c, theirs["id"], **f), 404)
    # Its own record with THCS001's batch: refused too.
    assert h.expect_error(add_copies(c, mine, count=1, acquisition_id=their_acq), 404) == \
        h.expect_error(add_copies(c, mine, count=1, acquisition_id=999999), 404)
    r = b.get("/catalog/%d" % theirs["id"])
    h.expect_status(r, 404)
    assert "Trường THCS Văn Lang" not in r.text and "THCS001" not in r.text
    h.assert_unchanged(before, snap(), "TH001's librarian at THCS001's catalogue")


# --- audit -------------------------------------------------------------------------------------------

def test_every_write_leaves_an_audit_row():
    c = client("thuthu.th001")
    me = srv.account("thuthu.th001")
    path = srv.unit("TH001")["path"]
    start = srv.sql_value("SELECT COALESCE(MAX(id), 0) AS m FROM audit")
    b = created(c, "Nhật ký trong tù", "STK", authors="Hồ Chí Minh", copies=2)
    auto_acq = b["copies"][0]["acquisition_id"]
    acq = h.expect_status(c.post("/acquisitions", {"source": "gift", "supplier": "Thư viện quận"}), 201).json()["id"]
    h.expect_redirect(add_copies(c, b["id"], count=3, acquisition_id=acq))
    rows = [r for r in srv.audit("id > %d" % start) if not r["action"].startswith("login.")]
    got = [(r["action"], r["entity"], r["entity_id"]) for r in rows]
    want = [("biblio.create", "biblio", b["id"]), ("acquisition.create", "acquisition", auto_acq),
            ("items.add", "biblio", b["id"]), ("acquisition.create", "acquisition", acq),
            ("items.add", "biblio", b["id"])]
    assert got == want, "audit rows %r, expected %r" % (got, want)
    for r in rows:
        assert (r["username"], r["account_id"], r["unit_id"], r["unit_path"]) == \
            ("thuthu.th001", me["id"], unit_id("TH001"), path), r
    first = b["copies"][0]["accession_no"]
    assert "Nhật ký trong tù" in rows[0]["detail"], rows[0]
    assert re.match(r"2 x STK-%06d\.\.%06d" % (first, first + 1), rows[2]["detail"]), rows[2]
    assert re.match(r"3 x STK-%06d\.\.%06d" % (first + 2, first + 4), rows[4]["detail"]), rows[4]
    number = srv.sql_value("SELECT number FROM acquisitions WHERE id = %d" % acq)
    assert rows[3]["detail"].startswith("%d " % number) and "gift" in rows[3]["detail"], rows[3]
    # The school's admin reads them in the audit log.
    entries = h.expect_status(client("quantri.th001").get("/audit", query={"action": "items"}), 200).json()["entries"]
    listed = [e["id"] for e in entries]
    assert rows[2]["id"] in listed and rows[4]["id"] in listed, "the audit page lacks the items.add rows"


def test_catalogue_audit_rows_record_the_ip():
    """Account changes and logins record the client's address in the audit row; the catalogue's
    writes (catalog.c passes NULL to audit_write) do not."""
    c = client("thuthu.th001")
    start = srv.sql_value("SELECT COALESCE(MAX(id), 0) AS m FROM audit")
    created(c, "Sách ghi địa chỉ", "STK", copies=1)
    rows = [r for r in srv.audit("id > %d" % start) if not r["action"].startswith("login.")]
    assert rows, "no audit rows"
    bad = [(r["action"], r["ip"]) for r in rows if r["ip"] != "127.0.0.1"]
    assert not bad, "BUG: catalogue audit rows without the client's IP: %r" % bad


# --- a catalogue larger than the search counts (last: it loads 2,000 records into LC001) -------------

BULK = os.path.join(h.ROOT, "..", "shared", "data", "marc-extra", "bulk", "solrmarc-uva_001_2000.mrc")


def test_search_past_the_cap_and_filters():
    """Past SEARCH_CAP (1,000) hits the search stops counting: total 1000 with "more", pages in the
    same title order as the database's own sort, and no page past the thousandth hit. The filters
    (class number prefix, years, copy status) give the counts the database gives."""
    srv.cli("import", "marc", "--school", "LC001", BULK)
    lc = unit_id("LC001")
    c = client("thuthu.lc001")
    collate = ' COLLATE "C"' if h.BACKEND == "postgresql" else ""
    order = srv.sql("SELECT id FROM biblios WHERE unit_id = %d ORDER BY title_fold%s, id" % (lc, collate))
    order = [r["id"] for r in order]
    assert len(order) > 1000, len(order)
    p1 = search(c)
    assert p1["total"] == 1000 and p1["more"] is True, (p1["total"], p1.get("more"))
    assert ids(p1["hits"]) == order[:20], "page 1 is not the first 20 titles in byte order"
    p50 = search(c, page=50)
    assert ids(p50["hits"]) == order[980:1000] and "next" not in p50, (ids(p50["hits"]), p50.get("next"))
    assert search(c, page=51)["hits"] == []
    # A query under the cap counts exactly, and says so.
    j = search(c, q="virginia")
    n = srv.sql_value("SELECT COUNT(*) AS n FROM biblios WHERE unit_id = %d AND search_words LIKE '%% virginia%%'" % lc)
    assert 0 < n <= 1000 and j["total"] == n and j["more"] is False, (j["total"], n)
    # Filters, each against the database's own count (capped as the search is).
    cases = [
        ({"class": "9"}, "lower(class_number) LIKE '9%%'"),
        ({"class": "8"}, "lower(class_number) LIKE '8%%'"),
        ({"from": "1990", "to": "1999"}, "year >= 1990 AND year <= 1999"),
        ({"from": "2000"}, "year >= 2000"),
        ({"to": "1900"}, "year <= 1900"),
        ({"status": "available"}, "EXISTS (SELECT 1 FROM items i WHERE i.biblio_id = biblios.id "
                                  "AND i.status = 'available')"),
        ({"status": "lost"}, "1 = 0"),
        ({"q": "history", "from": "1980"}, "search_words LIKE '%% history%%' AND year >= 1980"),
    ]
    bad = []
    for query, where in cases:
        n = srv.sql_value("SELECT COUNT(*) AS n FROM biblios WHERE unit_id = %d AND %s" % (lc, where))
        j = search(c, **query)
        want = min(n, 1000)
        if j["total"] != want or j["more"] != (n > 1000):
            bad.append("%r: total %d more %r, the database has %d" % (query, j["total"], j["more"], n))
    assert not bad, "BUG: filters disagree with the database:\n  " + "\n  ".join(bad)
    # Bad filter values: a clear 400, not an empty page.
    for query in ({"from": "abc"}, {"to": "-5"}, {"from": "100000"}, {"status": "borrowed"}):
        h.expect_error(c.get("/catalog", query=query), 400)
    h.expect_error(c.get("/catalog", query={"class": "x" * 51}), 400)
    # The HTML page says "more than" and keeps the filters in the pager link.
    b = browser("thuthu.lc001")
    page = h.expect_status(b.get("/catalog", query={"from": "1900"}), 200).text
    assert h.in_html(h.vi("catalog.more_than"), page) or search(c, **{"from": "1900"})["more"] is False
    m = re.search(r'<a href="(/catalog\?page=2[^"]*)"', page)
    assert m and "from=1900" in html.unescape(m.group(1)), "the pager link lost the year filter"


def test_registers_reconcile():
    """Last: what the registers rest on still holds after these scenarios (thuvien check)."""
    srv.check()
