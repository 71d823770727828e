"""test_cards.py: printing library cards (GET /patrons/cards, the form; GET /patrons/cards.pdf,
the A4 sheets of cards).

Readers are written straight into `patrons` (the readers' pages are another module's). The PDFs
are read with poppler (pdftotext, pdfinfo, pdfimages, pdftoppm) and their codes decoded with
zbarimg: the names and the school's headings come out intact, the card numbers decode from both
the Code 128 and the QR code, a JPEG photo is embedded as JPEG and a corrupt one leaves the empty
frame, the grid gives the pages it should. Bad parameters are 400 with a clear message (JSON or
the error page) and a grid that does not fit the page says so; readers and offices are refused,
another school's reader ids are "not found" and show nothing of that reader.

Acting: thuthu.th001 (TH001, "Trường Tiểu học Lê Ngọc Hân", under "Phòng Giáo dục và Đào tạo
Quận 1"), bgh.th001 (its leader), bandoc.th001 (a reader), phong1.chuyenvien (the office),
thuthu.thcs001 (THCS001).
"""
import base64
import os
import re
import shutil
import struct
import subprocess
import tempfile
import zlib

import harness as h

srv = None
_clients = {}
fx = {}

JPEG = base64.b64decode("/9j/4AAQSkZJRgABAQEAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAQAA0DASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDu3RXb5h9DUigKMDgUYooA/9k=")


def png(w=12, h_=16, rgb=(40, 80, 200)):
    """A real PNG of one colour, written by hand (zlib and CRCs)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    raw = b"".join(b"\x00" + bytes(rgb) * w for _ in range(h_))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h_, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def q(s):
    return "'" + s.replace("'", "''") + "'"


def patron(code, name, unit="TH001", kind="student", cls="6A1", status="active", birth="2014-03-09"):
    uid = srv.unit(unit)["id"]
    rows = h.sql_write(srv, "INSERT INTO patrons (unit_id, code, full_name, kind, class_name, school_year, birth_date,"
                            " status, created_at, updated_at) VALUES (%d, %s, %s, %s, %s, '2025-2026', %s, %s, 0, 0)"
                            " RETURNING id" % (uid, q(code), q(name), q(kind), q(cls), q(birth), q(status)))
    return int(rows[0])


def photo(pid, mime, data):
    h.sql_write(srv, "INSERT INTO patron_photos (patron_id, mime, data, updated_at) VALUES (%d, %s, %s, 0)"
                % (pid, q(mime), q(base64.b64encode(data).decode())))


def setup_module():
    global srv
    srv = h.Server().start()
    # The demo's readers of TH001 make way: the tests count the school's readers and classes.
    h.sql_write(srv, "UPDATE accounts SET patron_id = NULL WHERE unit_id = %d" % srv.unit("TH001")["id"])
    h.sql_write(srv, "DELETE FROM patrons WHERE unit_id = %d" % srv.unit("TH001")["id"])
    fx["anh"] = patron("HS0001", "Nguyễn Thị Ánh Dương")
    fx["bao"] = patron("HS0002", "Trần Quốc Bảo")
    fx["cuong"] = patron("HS0003", "Lê Văn Cường")
    fx["gone"] = patron("HS0009", "Đỗ Minh Khang", status="graduated")
    fx["nhung"] = patron("GV0001", "Phạm Thị Hồng Nhung", kind="teacher", cls="")
    fx["huy"] = patron("HS0010", "Võ Gia Huy", cls="6A2")
    fx["other"] = patron("HS0001", "Bạn Đọc Trường Văn Lang Bí Mật", unit="THCS001")
    photo(fx["anh"], "image/jpeg", JPEG)
    photo(fx["bao"], "image/png", png())
    photo(fx["cuong"], "image/jpeg", b"\xff\xd8\xff\xe0 broken jpeg")


def teardown_module():
    srv.stop()


def client(username):
    if username not in _clients:
        _clients[username] = h.logged_in(srv, username)
    return _clients[username]


def browser(username):
    key = username + "/html"
    if key not in _clients:
        b = h.Client(srv, json=False)
        b.login_form(username)
        _clients[key] = b
    return _clients[key]


class Pdf:
    def __init__(self, data):
        self.dir = tempfile.mkdtemp(prefix="thuvien-cards-")
        self.path = os.path.join(self.dir, "cards.pdf")
        with open(self.path, "wb") as f:
            f.write(data)

    def run(self, *args):
        p = subprocess.run(list(args), capture_output=True, timeout=h.slow(60))
        assert p.returncode == 0, "%s: exit %d: %s" % (args[0], p.returncode, p.stderr.decode("utf-8", "replace"))
        return p.stdout.decode("utf-8", "replace")

    def text(self):
        """The text, white space squashed (a long name wraps on the card)."""
        return re.sub(r"\s+", " ", self.run("pdftotext", "-enc", "UTF-8", self.path, "-"))

    def pages(self):
        out = self.run("pdfinfo", self.path)
        return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))

    def images(self):
        """(width, height, encoding) of each image."""
        out = self.run("pdfimages", "-list", self.path).splitlines()[2:]
        return [(int(f[3]), int(f[4]), f[8]) for f in (line.split() for line in out) if f[2] == "image"]

    def codes(self):
        """What zbarimg decodes on page 1 rendered at 300 dpi: ["CODE-128:HS0001", "QR-Code:..."]."""
        prefix = os.path.join(self.dir, "page")
        self.run("pdftoppm", "-r", "300", "-gray", "-png", "-f", "1", "-l", "1", self.path, prefix)
        png_ = [os.path.join(self.dir, n) for n in os.listdir(self.dir) if n.endswith(".png")]
        p = subprocess.run(["zbarimg", "-q"] + png_, capture_output=True, timeout=h.slow(60))
        return sorted(line for line in p.stdout.decode().splitlines() if line)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        shutil.rmtree(self.dir, ignore_errors=True)


def expect_pdf(r, name):
    h.expect_status(r, 200)
    assert r.header("Content-Type", "").split(";")[0] == "application/pdf", h.describe(r)
    cd = r.header("Content-Disposition", "")
    assert cd == 'inline; filename="library-cards-%s.pdf"' % name, cd
    assert r.body.startswith(b"%PDF-") and r.body.rstrip().endswith(b"%%EOF")
    return Pdf(r.body)


def cards(c, json=None, **query):
    return c.get("/patrons/cards.pdf", json=json, query=query)


# --- the PDF -------------------------------------------------------------------------------------------

def test_class_cards_show_names_headings_photo_and_codes():
    r = cards(client("thuthu.th001"), **{"class": "6A1"})
    with expect_pdf(r, "6a1") as pdf:
        text = pdf.text()
        for want in ("PHÒNG GD&ĐT QUẬN 1", "TRƯỜNG TIỂU HỌC LÊ NGỌC HÂN", "THẺ THƯ VIỆN", "Nguyễn Thị Ánh Dương",
                     "Trần Quốc Bảo", "Lê Văn Cường", "Lớp: 6A1", "Ngày sinh: 09/03/2014", "Năm học: 2025-2026",
                     "HS0001", "HS0002", "HS0003"):
            assert want in text, "%r missing from the cards:\n%s" % (want, text)
        # Active readers of the class only: not the graduate, not the teacher, not 6A2.
        for absent in ("Đỗ Minh Khang", "Phạm Thị Hồng Nhung", "Võ Gia Huy", "Văn Lang"):
            assert absent not in text, "%r printed:\n%s" % (absent, text)
        assert pdf.pages() == 1
        imgs = pdf.images()
        jpegs = [i for i in imgs if i[2] == "jpeg"]
        pngs = [i for i in imgs if i[:2] == (12, 16)]
        assert jpegs == [(13, 16, "jpeg")], imgs      # the JPEG as is; the broken one: an empty frame
        assert len(pngs) == 1, imgs
        codes = pdf.codes()
        for code in ("HS0001", "HS0002", "HS0003"):
            assert "CODE-128:" + code in codes and "QR-Code:" + code in codes, codes


def test_selected_readers_in_the_order_given_any_status():
    ids = "%d,%d,%d" % (fx["nhung"], fx["gone"], fx["anh"])
    r = cards(client("thuthu.th001"), ids=ids)
    with expect_pdf(r, "selection-3") as pdf:
        text = pdf.text()
        assert "Giáo viên" in text and "Đỗ Minh Khang" in text and "Nguyễn Thị Ánh Dương" in text, text
        # The first two cards share the first row: the teacher left, the graduate right.
        layout = pdf.run("pdftotext", "-enc", "UTF-8", "-layout", pdf.path, "-")
        row = [line for line in layout.splitlines() if "Phạm Thị Hồng Nhung" in line]
        assert row and row[0].index("Phạm Thị Hồng Nhung") < row[0].index("Đỗ Minh Khang"), layout
    # The leader prints too.
    with expect_pdf(cards(client("bgh.th001"), ids=str(fx["huy"])), "selection-1") as pdf:
        assert "Võ Gia Huy" in pdf.text()


def test_all_readers_and_the_grid():
    c = client("thuthu.th001")
    with expect_pdf(cards(c, all=1), "all") as pdf:
        text = pdf.text()
        assert pdf.pages() == 1
        for name in ("Võ Gia Huy", "Phạm Thị Hồng Nhung", "Lê Văn Cường"):
            assert name in text
        assert "Đỗ Minh Khang" not in text
    # 5 active readers, 2 a page: 3 pages; one column of smaller cards, 4 a page: 2.
    with expect_pdf(cards(c, all=1, cols=1, rows=2), "all") as pdf:
        assert pdf.pages() == 3
    with expect_pdf(cards(c, all=1, cols=1, rows=4, card_w="70", card_h="44,5", margin_left=10, margin_top=10,
                          gap_v=2), "all") as pdf:
        assert pdf.pages() == 2


def test_parts_of_the_card_can_be_left_out():
    c = client("thuthu.th001")
    r = cards(c, ids=str(fx["anh"]), fields=1, f_photo=1)
    with expect_pdf(r, "selection-1") as pdf:
        text = pdf.text()
        assert "Ngày sinh" not in text, text
        codes = pdf.codes()
        assert "CODE-128:HS0001" in codes and not any(x.startswith("QR-Code") for x in codes), codes
        assert [i for i in pdf.images() if i[2] == "jpeg"], "the photo was asked for"


def test_grid_that_does_not_fit_is_refused_with_a_clear_message():
    c = client("thuthu.th001")
    r = cards(c, **{"class": "6A1", "cols": "3"})
    e = h.expect_error(r, 400)
    assert e["message"] == h.vi("err.cards.nofit"), e
    assert "210" in e.get("detail", ""), e
    r = cards(c, **{"class": "6A1", "rows": "6"})
    h.expect_error(r, 400)
    b = browser("thuthu.th001")
    r = b.get("/patrons/cards.pdf", query={"class": "6A1", "margin_top": "40"})
    h.expect_status(r, 400)
    assert h.in_html(h.vi("err.cards.nofit"), r.text), r.text[:500]
    assert r.header("Content-Type", "").startswith("text/html")


def test_bad_parameters_are_400():
    c = client("thuthu.th001")
    for query, key in ((dict(ids="1,x"), "err.number"), (dict(ids="1,,2"), "err.number"), (dict(ids="-3"), "err.number"),
                       (dict(all=1, cols="two"), "err.number"), (dict(all=1, gap_h="nan"), "err.number"),
                       (dict(all=1, card_w="1e999"), "err.number"), (dict(all=1, cols="0"), "err.cards.grid"),
                       (dict(all=1, card_w="30"), "err.cards.grid"), (dict(), "err.cards.select"),
                       (dict(all="2"), "err.number")):
        e = h.expect_error(cards(c, **query), 400)
        assert e["message"] == h.vi(key), (query, e)
    # Nobody to print: a class without active readers, or a name typed wrong.
    for cls in ("9Z9", "6a1"):
        e = h.expect_error(cards(c, **{"class": cls}), 404)
        assert e["message"] == h.vi("err.cards.none"), e
    # 2,001 ids: too many.
    r = cards(c, ids=",".join(str(i) for i in range(1, 2003)))
    h.expect_status(r, 413)


def test_other_schools_readers_are_not_found_and_not_shown():
    c = client("thuthu.th001")
    for ids in (str(fx["other"]), "%d,%d" % (fx["anh"], fx["other"]), "999999"):
        for path in ("/patrons/cards.pdf", "/patrons/cards"):
            r = c.get(path, query={"ids": ids})
            e = h.expect_error(r, 404)
            assert e["message"] == h.vi("err.patron.notfound"), e
            assert "Văn Lang" not in r.text
    # THCS001's librarian prints its own reader, and its 6A1 has only that one.
    with expect_pdf(cards(client("thuthu.thcs001"), **{"class": "6A1"}), "6a1") as pdf:
        text = pdf.text()
        assert "Bạn Đọc Trường Văn Lang Bí Mật" in text and "Ánh Dương" not in text, text
        assert "TRƯỜNG THCS VĂN LANG" in text, text


def test_only_the_schools_staff_print_cards():
    for user in ("bandoc.th001", "phong1.chuyenvien", "admin", "quantri.th001"):
        c = client(user)
        h.expect_error(cards(c, all=1), 403)
        h.expect_error(c.get("/patrons/cards"), 403)
    anon = h.Client(srv)
    r = anon.get("/patrons/cards.pdf", query={"all": "1"})
    assert r.status in (401, 303), h.describe(r)


# --- the form ------------------------------------------------------------------------------------------

def test_form_lists_the_schools_classes():
    j = h.expect_status(client("thuthu.th001").get("/patrons/cards"), 200).json()
    assert [(x["name"], x["readers"]) for x in j["classes"]] == [("6A1", 3), ("6A2", 1)], j["classes"]
    assert j["grid"]["cols"] == 2 and j["grid"]["rows"] == 5 and j["grid"]["card_w"] == 85.6, j["grid"]
    assert j["fields"] == {"photo": True, "birth": True, "qr": True}
    assert "selected" not in j
    b = browser("thuthu.th001")
    r = h.expect_status(b.get("/patrons/cards"), 200)
    assert h.in_html(h.vi("cards.title"), r.text)
    assert re.search(r'<option value="6A1"[^>]*>6A1 \(3\)</option>', r.text), r.text
    assert 'action="/patrons/cards.pdf"' in r.text
    assert not h.untranslated(r.text)
    # Another school sees its own classes only.
    j = h.expect_status(client("thuthu.thcs001").get("/patrons/cards"), 200).json()
    own = srv.sql("SELECT class_name, COUNT(*) AS n FROM patrons WHERE unit_id = %d AND class_name <> ''"
                  " GROUP BY class_name" % srv.unit("THCS001")["id"])
    assert sorted((x["name"], x["readers"]) for x in j["classes"]) == sorted((r["class_name"], r["n"]) for r in own)
    assert "6A2" not in [x["name"] for x in j["classes"]]


def test_form_with_a_selection_counts_it():
    ids = "%d,%d,%d" % (fx["anh"], fx["bao"], fx["anh"])
    j = h.expect_status(client("thuthu.th001").get("/patrons/cards", query={"ids": ids}), 200).json()
    assert j["selected"] == 2 and j["ids"] == ids, j
    r = h.expect_status(browser("thuthu.th001").get("/patrons/cards", query={"ids": ids}), 200)
    assert 'name="ids" value="%s"' % ids in r.text, r.text
    assert re.search(r"<strong>2</strong>", r.text)


def test_printing_writes_nothing():
    before = srv.db_snapshot(audit_ignore=("login.", "logout"))
    cards(client("thuthu.th001"), all=1)
    cards(client("thuthu.th001"), ids=str(fx["other"]))
    h.assert_unchanged(before, srv.db_snapshot(audit_ignore=("login.", "logout")))
    h.assert_healthy(srv)
