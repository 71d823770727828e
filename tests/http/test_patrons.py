"""test_patrons.py: readers (bạn đọc) through the real server: the demo readers, the list and its
filters, a new reader, the edit form with its version (a stale form is 409 and writes nothing),
block/unblock, photos (PNG and JPEG by their bytes, anything else or over 2 MiB refused), the
class-list import (upload, preview with the guessed and a changed mapping, commit, the same file
again changes nothing, a changed class updates, error rows refused unless skipped, a file not in
UTF-8 refused), the shell's `thuvien import patrons`, the end-of-year promotion and its undo
(refused once a copy was lent after it), and who may do what: readers get 403, another school's
librarian 404 on every reader of THCS001, the school's leader reads but does not write.

Librarian acting: thuthu.thcs001 (THCS001, level THCS: grades 6, 7 and 9 in the demo).
"""
import io
import os
import re
import tempfile
import zipfile
from xml.sax.saxutils import escape

import harness as h

srv = None

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 40

KEY_RE = re.compile(r"(?<![\w./-])((?:patron|pimport|promote|err|nav)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*)(?![\w/-])")


def setup_module():
    global srv
    srv = h.Server().start()


def teardown_module():
    srv.stop()


def client(user, json=True):
    return srv.client(user, json)


def untranslated(body):
    text = re.sub(r"<code>.*?</code>", " ", body, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text)
    return sorted(set(m.group(1) for m in KEY_RE.finditer(text)))


def write_sql(query):
    """Run a write the server has no route for."""
    h.sql_write(srv, query)

def patrons_of(code):
    return srv.sql("SELECT p.* FROM patrons p JOIN units u ON u.id = p.unit_id WHERE u.code = %s ORDER BY p.id"
                   % h.sql_str(code))


def upload_photo(c, pid, data, name="a.png"):
    f = {"csrf": c.csrf}
    ct, body = h.multipart(f, {"photo": (name, data)})
    return c.request("POST", "/patrons/%d/photo" % pid, body=body, content_type=ct)


def mapping_fields(preview):
    return {"map_" + f["field"]: str(f["column"]) for f in preview["fields"]}


# --- the list and one reader ------------------------------------------------------------------------

def test_demo_readers_are_listed_with_filters():
    c = client("thuthu.thcs001")
    j = h.expect_status(c.get("/patrons"), 200).json()
    assert j["total"] == 95, j["total"]      # 3 classes x 30 students + 5 teachers
    assert len(j["patrons"]) == 50 and j["pages"] == 2
    assert {x["name"] for x in j["classes"]} == {"6A1", "7A1", "9A1"}
    j = h.expect_status(c.get("/patrons?class=7A1"), 200).json()
    assert j["total"] == 30 and all(p["class_name"] == "7A1" and p["grade"] == 7 for p in j["patrons"])
    assert h.expect_status(c.get("/patrons?kind=teacher"), 200).json()["total"] == 5
    first = patrons_of("THCS001")[0]
    # Words of the name without marks, in any order; the card code.
    words = first["name_fold"].split()
    hits = h.expect_status(c.get("/patrons", query={"q": words[-1] + " " + words[0]}), 200).json()["patrons"]
    assert first["id"] in [p["id"] for p in hits]
    hits = h.expect_status(c.get("/patrons", query={"q": first["code"]}), 200).json()["patrons"]
    assert [p["id"] for p in hits] == [first["id"]]
    # The page: checkboxes to print cards, the navigation entry, every word translated.
    b = client("thuthu.thcs001", json=False)
    page = h.expect_status(b.get("/patrons"), 200).text
    assert 'action="/patrons/cards"' in page and 'name="ids" value="%d"' % first["id"] in page
    assert h.vi("patron.print_cards") in page and 'href="/patrons"' in page
    assert untranslated(page) == [], untranslated(page)


def test_new_reader_edit_and_stale_form():
    c = client("thuthu.thcs001")
    r = c.post("/patrons", {"full_name": "  Kiều   Thị Mới ", "class_name": "6A1", "student_code": "MOI001",
                            "birth_date": "05/09/2014", "gender": "F", "national_id": "079314999001"})
    pid = h.expect_status(r, 201).json()["id"]
    p = h.expect_status(c.get("/patrons/%d" % pid), 200).json()["patron"]
    assert p["full_name"] == "Kiều Thị Mới" and p["code"] == "MOI001" and p["grade"] == 6
    assert p["birth_date"] == "2014-09-05" and p["birth_vn"] == "05/09/2014" and p["gender"] == "F"
    assert srv.sql_value("SELECT COUNT(*) FROM audit WHERE action = 'patron.create' AND entity_id = %d" % pid) == 1
    version = p["version"]
    r = c.post("/patrons/%d/edit" % pid, {"full_name": "Kiều Thị Mới", "class_name": "6A2", "student_code": "MOI001",
                                          "national_id": "079314999001", "version": str(version)})
    assert "6A2" in h.expect_status(r, 200).json()["changes"]
    # The same form again: stale, nothing written.
    before = srv.db_snapshot(audit_ignore=("login.", "logout"))
    rows = patrons_of("THCS001")
    r = c.post("/patrons/%d/edit" % pid, {"full_name": "Ghi đè", "class_name": "6A3", "version": str(version)})
    h.expect_error(r, 409, "err.patron.stale")
    h.assert_unchanged(before, srv.db_snapshot(audit_ignore=("login.", "logout")))
    assert patrons_of("THCS001") == rows
    # As a browser: the form again with the message, 409.
    b = client("thuthu.thcs001", json=False)
    r = b.post("/patrons/%d/edit" % pid, {"full_name": "Ghi đè", "class_name": "6A3", "version": str(version)})
    assert r.status == 409 and h.in_html(h.vi("err.patron.stale"), r.text) and 'value="Ghi đè"' in r.text
    # Bad input: 400 with the message, nothing written.
    for fields, key in (({"full_name": "", "class_name": "6A1"}, "err.patron.name"),
                        ({"full_name": "X", "class_name": ""}, "err.patron.class"),
                        ({"full_name": "X", "class_name": "6A1", "birth_date": "31/02/2014"}, "err.patron.birth_date"),
                        ({"full_name": "X", "class_name": "6A1", "kind": "robot"}, "err.patron.kind"),
                        ({"full_name": "X", "class_name": "6A1", "code": "có dấu"}, "err.patron.code")):
        h.expect_error(c.post("/patrons", fields), 400, key)
    r = b.post("/patrons", {"full_name": "", "class_name": "6A1"})
    assert r.status == 400 and h.in_html(h.vi("err.patron.name"), r.text)
    h.assert_unchanged(before, srv.db_snapshot(audit_ignore=("login.", "logout")))


def test_national_id_unique_in_the_city_without_saying_where():
    other = client("thuthu.th001")
    taken = patrons_of("THCS001")[0]
    r = other.post("/patrons", {"full_name": "Người Khác", "class_name": "3A1", "national_id": taken["national_id"]})
    e = h.expect_error(r, 409, "err.patron.national_id_taken")
    text = r.text
    for secret in (taken["full_name"], taken["code"], "THCS001", "Văn Lang"):
        assert secret not in text, "the refusal shows %r: %s" % (secret, text)
    assert e["message"] == h.vi("err.patron.national_id_taken")


def test_block_unblock_and_left():
    c = client("thuthu.thcs001")
    pid = patrons_of("THCS001")[1]["id"]
    h.expect_error(c.post("/patrons/%d/status" % pid, {"status": "blocked", "reason": ""}), 400, "err.patron.reason")
    h.expect_error(c.post("/patrons/%d/status" % pid, {"status": "graduated"}), 400, "err.patron.status")
    h.expect_status(c.post("/patrons/%d/status" % pid, {"status": "blocked", "reason": "Làm rách sách"}), 200)
    p = h.expect_status(c.get("/patrons/%d" % pid), 200).json()["patron"]
    assert p["status"] == "blocked" and p["status_note"] == "Làm rách sách"
    b = client("thuthu.thcs001", json=False)
    page = h.expect_status(b.get("/patrons/%d" % pid), 200).text
    assert h.vi("patron.status.blocked") in page and h.vi("patron.unblock") in page and untranslated(page) == []
    h.expect_status(c.post("/patrons/%d/status" % pid, {"status": "active"}), 200)
    assert srv.sql_value("SELECT status FROM patrons WHERE id = %d" % pid) == "active"


def test_photos():
    c = client("thuthu.thcs001")
    pid = patrons_of("THCS001")[2]["id"]
    h.expect_error(c.get("/patrons/%d/photo" % pid), 404, "err.photo.none")
    h.expect_status(upload_photo(c, pid, PNG), 200)
    r = c.get("/patrons/%d/photo" % pid, json=False)
    assert r.status == 200 and r.header("Content-Type") == "image/png" and r.body == PNG
    h.expect_status(upload_photo(c, pid, JPEG, "a.jpg"), 200)
    r = client("bgh.thcs001").get("/patrons/%d/photo" % pid, json=False)   # the school's leader reads it
    assert r.status == 200 and r.header("Content-Type") == "image/jpeg" and r.body == JPEG
    before = srv.db_snapshot(audit_ignore=("login.", "logout"))
    h.expect_error(upload_photo(c, pid, b"GIF89a" + b"\x00" * 30, "a.gif"), 400, "err.photo.type")
    h.expect_error(upload_photo(c, pid, b"\xff\xd8\xff" + b"\x00" * (2 * 1024 * 1024)), 413, "err.photo.too_big")
    h.assert_unchanged(before, srv.db_snapshot(audit_ignore=("login.", "logout")))
    assert c.get("/patrons/%d/photo" % pid, json=False).body == JPEG
    page = h.expect_status(client("thuthu.thcs001", json=False).get("/patrons/%d" % pid), 200).text
    assert 'src="/patrons/%d/photo"' % pid in page


# --- the class-list import ----------------------------------------------------------------------------

CLASS_LIST = ("\ufeffSỞ GIÁO DỤC VÀ ĐÀO TẠO;;;;;\r\n"
              "DANH SÁCH HỌC SINH LỚP 8A5 - NĂM HỌC 2026-2027;;;;;\r\n"
              ";;;;;\r\n"
              "STT;Mã học sinh;Họ và tên;Ngày sinh;Giới tính;Lớp\r\n"
              "1;NK001;Đoàn Minh Khôi;12/03/2012;Nam;8A5\r\n"
              "2;NK002;Lương Thị Hoa;1/7/2012;Nữ;8A5\r\n"
              "3;NK003;Tạ Quang Bửu;2012-11-30;Nam;8A5\r\n")


def test_import_twice_changes_nothing_the_second_time():
    c = client("thuthu.thcs001")
    p = h.expect_status(h.upload(c, CLASS_LIST.encode(), filename="8a5.csv", path="/patrons/import"), 200).json()
    assert p["format"] == "csv" and p["header_line"] == 4 and p["rows_read"] == 3
    assert (p["created"], p["updated"], p["unchanged"], p["errors"]) == (3, 0, 0, 0)
    cols = {f["field"]: f["column"] for f in p["fields"]}
    assert cols["student_code"] == 1 and cols["full_name"] == 2 and cols["class_name"] == 5 and cols["national_id"] == -1
    assert srv.sql_value("SELECT COUNT(*) FROM patrons WHERE student_code LIKE 'NK%'") == 0   # a preview writes nothing
    d = h.expect_status(c.post("/patrons/import/commit", dict(mapping_fields(p), token=p["token"])), 200).json()
    assert d["written"] is True and d["created"] == 3
    rows = srv.sql("SELECT full_name, class_name, grade, birth_date, gender FROM patrons WHERE student_code LIKE 'NK%' "
                   "ORDER BY student_code")
    assert rows[1] == {"full_name": "Lương Thị Hoa", "class_name": "8A5", "grade": 8, "birth_date": "2012-07-01",
                       "gender": "F"}, rows
    # The same file again: the remembered mapping, everything unchanged, nothing written.
    p = h.expect_status(h.upload(c, CLASS_LIST.encode(), filename="8a5.csv", path="/patrons/import"), 200).json()
    assert p["remembered"] is True and (p["created"], p["updated"], p["unchanged"]) == (0, 0, 3) and p["nothing"]
    before = srv.db_snapshot(audit_ignore=("login.", "logout"))
    d = h.expect_status(c.post("/patrons/import/commit", dict(mapping_fields(p), token=p["token"])), 200).json()
    assert d["written"] is False and d["unchanged"] == 3
    h.assert_unchanged(before, srv.db_snapshot(audit_ignore=("login.", "logout")))
    # A changed class updates that reader only.
    changed = CLASS_LIST.replace("Tạ Quang Bửu;2012-11-30;Nam;8A5", "Tạ Quang Bửu;2012-11-30;Nam;8A6")
    p = h.expect_status(h.upload(c, changed.encode(), filename="8a5.csv", path="/patrons/import"), 200).json()
    assert (p["created"], p["updated"], p["unchanged"]) == (0, 1, 2)
    assert "8A6" in p["rows"][0]["changes"]
    d = h.expect_status(c.post("/patrons/import/commit", dict(mapping_fields(p), token=p["token"])), 200).json()
    assert d["written"] and d["updated"] == 1
    assert srv.sql_value("SELECT class_name FROM patrons WHERE student_code = 'NK003'") == "8A6"
    # The token is spent.
    h.expect_error(c.post("/patrons/import/commit", dict(mapping_fields(p), token=p["token"])), 404)


def test_import_errors_are_refused_unless_skipped():
    c = client("thuthu.thcs001")
    text = ("Mã HS,Họ tên,Ngày sinh,Lớp\n"
            "LX001,Hà Văn Lỗi,01/01/2012,8A1\n"
            "LX002,,01/01/2012,8A1\n"
            "LX003,Ngày Sai,30/02/2012,8A1\n"
            "LX001,Trùng Mã,01/01/2012,8A1\n"
            "LX004,Không Lớp,01/01/2012,\n"
            "LX005,Đúng Rồi,01/01/2012,8A2\n")
    p = h.expect_status(h.upload(c, text.encode(), filename="loi.csv", path="/patrons/import"), 200).json()
    assert p["created"] == 2 and p["errors"] == 4
    errs = {e["line"]: e["key"] for e in p["error_rows"]}
    assert errs == {3: "err.patron.name", 4: "err.patron.birth_date", 5: "err.pimport.dup_student_code",
                    6: "err.patron.class"}, errs
    # As a browser: the preview lists the errors by line, with the "skip" box.
    b = client("thuthu.thcs001", json=False)
    r = h.upload(b, text.encode(), filename="loi.csv", path="/patrons/import")
    assert r.status == 200, h.describe(r)
    assert h.in_html(h.vi("pimport.skip_errors"), r.text) and untranslated(r.text) == [], untranslated(r.text)
    assert h.in_html(h.vi("err.patron.birth_date"), r.text)
    before = srv.db_snapshot(audit_ignore=("login.", "logout"))
    r = c.post("/patrons/import/commit", dict(mapping_fields(p), token=p["token"]))
    assert r.status == 422, h.describe(r)
    h.assert_unchanged(before, srv.db_snapshot(audit_ignore=("login.", "logout")))
    assert srv.sql_value("SELECT COUNT(*) FROM patrons WHERE student_code LIKE 'LX%'") == 0
    d = h.expect_status(c.post("/patrons/import/commit", dict(mapping_fields(p), token=p["token"], skip_errors="1")),
                        200).json()
    assert d["written"] and d["created"] == 2 and d["errors"] == 4 and len(d["error_rows"]) == 4
    assert srv.sql_value("SELECT COUNT(*) FROM patrons WHERE student_code LIKE 'LX%'") == 2


def test_import_mapping_can_be_changed():
    c = client("thuthu.thcs001")
    text = "Mã HS;Họ và tên;Lớp;Ghi chú lớp\nMP001;Trịnh Công Sơn;8A1;9A9\n"
    p = h.expect_status(h.upload(c, text.encode(), filename="map.csv", path="/patrons/import"), 200).json()
    cols = {f["field"]: f["column"] for f in p["fields"]}
    assert cols["class_name"] == 2
    m = mapping_fields(p)
    m["map_class_name"] = "3"    # the librarian says the class is the 4th column
    q = h.expect_status(c.post("/patrons/import/preview", dict(m, token=p["token"])), 200).json()
    assert q["rows"][0]["class_name"] == "9A9"
    m["map_full_name"] = "-1"
    q = h.expect_status(c.post("/patrons/import/preview", dict(m, token=p["token"])), 200).json()
    assert q["code"] == "err.pimport.no_name"
    h.expect_error(c.post("/patrons/import/preview", dict(m, map_class_name="99", token=p["token"])), 400,
                   "err.pimport.mapping")
    h.expect_error(c.post("/patrons/import/preview", dict(m, token="0" * 64)), 404)


def xlsx(rows, merges=()):
    """A minimal workbook (inline strings; a merged range keeps its value in its top-left cell
    only, as Excel writes it): rows is a list of lists of str or None."""
    def ref(r, c):
        return "%s%d" % (chr(ord("A") + c), r + 1)
    cells = []
    for r, row in enumerate(rows):
        cs = "".join('<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref(r, c), escape(v))
                     for c, v in enumerate(row) if v)
        cells.append('<row r="%d">%s</row>' % (r + 1, cs))
    merge = "".join('<mergeCell ref="%s"/>' % m for m in merges)
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             'spreadsheetml/2006/main"><sheetData>%s</sheetData>%s</worksheet>'
             % ("".join(cells), '<mergeCells count="%d">%s</mergeCells>' % (len(merges), merge) if merges else ""))
    ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                               'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                               'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                               '</Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                       'relationships"><Relationship Id="rId1" Type="%s/officeDocument" Target="xl/workbook.xml"/>'
                       '</Relationships>' % ns,
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                           '2006/main" xmlns:r="%s"><sheets><sheet name="DS" sheetId="1" r:id="rId1"/></sheets>'
                           '</workbook>' % ns,
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                                      'package/2006/relationships"><Relationship Id="rId1" Type="%s/worksheet" '
                                      'Target="worksheets/sheet1.xml"/></Relationships>' % ns,
        "xl/worksheets/sheet1.xml": sheet,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return out.getvalue()


def test_import_xlsx_with_title_rows_and_merged_class():
    c = client("thuthu.thcs001")
    data = xlsx([["TRƯỜNG THCS VĂN LANG", None, None, None],
                 ["DANH SÁCH HỌC SINH", None, None, None],
                 ["STT", "Lớp", "Mã HS", "Họ và tên học sinh"],
                 ["1", "9A7", "XL001", "Châu Văn Liêm"],
                 ["2", None, "XL002", "Nguyễn Thị Định"],
                 ["3", None, "XL003", "Võ Thị Sáu"]], merges=["B4:B6", "A1:D1"])
    p = h.expect_status(h.upload(c, data, filename="lop9a7.xlsx", path="/patrons/import"), 200).json()
    assert p["format"] == "xlsx" and p["header_line"] == 3 and p["created"] == 3 and p["errors"] == 0, p
    assert [r["class_name"] for r in p["rows"]] == ["9A7"] * 3
    d = h.expect_status(c.post("/patrons/import/commit", dict(mapping_fields(p), token=p["token"])), 200).json()
    assert d["written"] and d["created"] == 3
    assert srv.sql_value("SELECT COUNT(*) FROM patrons WHERE class_name = '9A7' AND grade = 9") == 3


def test_import_refuses_a_file_not_in_utf8():
    c = client("thuthu.thcs001")
    data = "Họ và tên,Lớp\nNguyễn Văn An,6A1\n".encode("cp1258", errors="replace")
    h.expect_error(h.upload(c, data, filename="ansi.csv", path="/patrons/import"), 400, "err.pimport.utf8")
    b = client("thuthu.thcs001", json=False)
    r = h.upload(b, data, filename="ansi.csv", path="/patrons/import")
    assert r.status == 400 and "CSV UTF-8" in r.text
    h.expect_error(h.upload(c, b"a,b\n1,2\n", filename="x.csv", path="/patrons/import"), 400, "err.pimport.header")


def test_shell_import():
    d = tempfile.mkdtemp()
    path = os.path.join(d, "lop.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("Mã học sinh\tHọ đệm\tTên\tLớp\tNgày sinh\n"
                "SH001\tPhùng\tHưng\t4A2\t03/04/2016\n"
                "SH002\tTriệu Thị\tTrinh\t4A2\t05/06/2016\n")
    p = srv.cli("import", "patrons", "--school", "TH001", path)
    assert "created 2, updated 0, unchanged 0, errors 0" in p.stdout, p.stdout
    assert srv.sql_value("SELECT full_name FROM patrons WHERE student_code = 'SH002'") == "Triệu Thị Trinh"
    p = srv.cli("import", "patrons", "--school", "TH001", path)
    assert "unchanged 2" in p.stdout and "nothing changed" in p.stdout
    with open(path, "a", encoding="utf-8") as f:
        f.write("SH003\t\t\t4A2\t\n")
    p = srv.cli("import", "patrons", "--school", "TH001", path, check=False)
    assert p.returncode == 1 and "line 4" in p.stdout, p.stdout + p.stderr
    p = srv.cli("import", "patrons", "--school", "TH001", "--skip-errors", path)
    assert "errors 1" in p.stdout and "written" not in p.stdout.split("errors 1")[0]


# --- the end of the school year -----------------------------------------------------------------------

def test_promotion_and_undo():
    c = client("thuthu.lc001")     # liên cấp: the final grade is 12
    j = h.expect_status(c.get("/patrons/promote"), 200).json()
    assert j["final_grade"] == 12
    by = {x["from"]: x for x in j["classes"]}
    assert by["5A1"]["to"] == "6A1" and by["9A1"]["to"] == "10A1" and by["12A1"]["graduate"] is True
    assert j["promoted"] == 60 and j["graduated"] == 30
    page = h.expect_status(client("thuthu.lc001", json=False).get("/patrons/promote"), 200).text
    assert untranslated(page) == [] and h.vi("promote.commit") in page
    before = srv.sql("SELECT id, class_name, grade, school_year, status FROM patrons p WHERE unit_id = %d ORDER BY id"
                     % srv.unit("LC001")["id"])
    pid = h.expect_status(c.post("/patrons/promote", {}), 200).json()["id"]
    rows = srv.sql("SELECT id, class_name, grade, status, kind FROM patrons WHERE unit_id = %d ORDER BY id"
                   % srv.unit("LC001")["id"])
    assert sum(1 for r in rows if r["class_name"] == "6A1" and r["grade"] == 6) == 30
    assert sum(1 for r in rows if r["status"] == "graduated") == 30
    assert all(r["class_name"] == "" for r in rows if r["kind"] == "teacher")
    h.expect_error(c.post("/patrons/promote", {}), 409, "err.promote.done")
    h.expect_error(client("thuthu.th001").post("/patrons/promote/%d/undo" % pid, {}), 404)
    h.expect_status(c.post("/patrons/promote/%d/undo" % pid, {}), 200)
    after = srv.sql("SELECT id, class_name, grade, school_year, status FROM patrons p WHERE unit_id = %d ORDER BY id"
                    % srv.unit("LC001")["id"])
    assert after == before
    # Again, then a loan: the undo is refused.
    pid = h.expect_status(c.post("/patrons/promote", {}), 200).json()["id"]
    lc = srv.unit("LC001")["id"]
    r = c.post("/catalog", {"title": "Sách mượn sau lên lớp", "doc_type": "STK", "copies": "1"})
    b = h.expect_status(r, 201).json()["biblio"]
    grad = srv.sql_value("SELECT id FROM patrons WHERE unit_id = %d AND status = 'graduated' ORDER BY id LIMIT 1" % lc)
    write_sql("INSERT INTO loans (unit_id, item_id, biblio_id, patron_id, patron_kind, doc_type, out_at, out_day, due) "
              "VALUES (%d, %d, %d, %d, 'student', 'STK', %d, '2027-06-01', '2027-06-15')"
              % (lc, b["copies"][0]["id"], b["id"], grad, 4102444800))
    j = h.expect_status(c.get("/patrons/promote"), 200).json()
    assert j["last"]["can_undo"] is False and [g["id"] for g in j["graduates_with_loans"]] == [grad]
    h.expect_error(c.post("/patrons/promote/%d/undo" % pid, {}), 409, "err.promote.undo_loans")
    p = h.expect_status(c.get("/patrons/%d" % grad), 200).json()
    assert p["open_loans"] == 1


def test_forms_render_translated():
    b = client("thuthu.thcs001", json=False)
    pid = patrons_of("THCS001")[0]["id"]
    for path in ("/patrons/new", "/patrons/%d/edit" % pid, "/patrons/import", "/patrons/%d" % pid):
        r = h.expect_status(b.get(path), 200)
        assert untranslated(r.text) == [], (path, untranslated(r.text))
    page = b.get("/patrons/%d/edit" % pid).text
    assert 'name="version"' in page and h.in_html(patrons_of("THCS001")[0]["full_name"], page)
    r = h.upload(b, "Họ và tên;Lớp\nPhó Đức Chính;9A2\n".encode(), filename="x.csv", path="/patrons/import")
    token = re.search(r'name="token" value="([0-9a-f]{64})"', r.text).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="(map_[a-z_]+)" value="(-?\d+)">', r.text))
    assert fields["map_full_name"] == "0" and fields["map_class_name"] == "1"
    r = b.post("/patrons/import/commit", dict(fields, token=token))
    assert r.status == 200 and h.in_html(h.vi("pimport.written"), r.text) and untranslated(r.text) == []


# --- who may do what --------------------------------------------------------------------------------

def test_readers_leaders_and_other_schools():
    mine = patrons_of("THCS001")[0]["id"]
    reader = client("bandoc.thcs001")
    for path in ("/patrons", "/patrons/%d" % mine, "/patrons/import", "/patrons/promote", "/patrons/new"):
        h.expect_status(reader.get(path), 403)
    leader = client("bgh.thcs001")
    h.expect_status(leader.get("/patrons"), 200)
    h.expect_status(leader.get("/patrons/%d" % mine), 200)
    h.expect_error(leader.post("/patrons", {"full_name": "X", "class_name": "6A1"}), 403)
    h.expect_error(leader.post("/patrons/%d/status" % mine, {"status": "blocked", "reason": "x"}), 403)
    h.expect_error(leader.get("/patrons/%d/edit" % mine), 403)
    other = client("thuthu.th001")
    before = srv.db_snapshot(audit_ignore=("login.", "logout"))
    rows = patrons_of("THCS001")
    for method, path, fields in (("GET", "/patrons/%d", None), ("GET", "/patrons/%d/edit", None),
                                 ("GET", "/patrons/%d/photo", None),
                                 ("POST", "/patrons/%d/edit", {"full_name": "X", "class_name": "6A1", "version": "0"}),
                                 ("POST", "/patrons/%d/status", {"status": "blocked", "reason": "x"})):
        r = other.get(path % mine) if method == "GET" else other.post(path % mine, fields)
        a = h.expect_error(r, 404)
        r2 = other.get(path % 999999) if method == "GET" else other.post(path % 999999, fields)
        assert h.expect_error(r2, 404) == a
    h.expect_error(upload_photo(other, mine, PNG), 404)
    h.assert_unchanged(before, srv.db_snapshot(audit_ignore=("login.", "logout")))
    assert patrons_of("THCS001") == rows
    # An inspector of the district lists one school of it; a school outside it lists nothing.
    cv = client("phong1.chuyenvien")
    j = h.expect_status(cv.get("/patrons?unit=%d" % srv.unit("THCS001")["id"]), 200).json()
    assert j["total"] == len(rows) and {p["unit_code"] for p in j["patrons"]} == {"THCS001"}
    assert h.expect_status(cv.get("/patrons?unit=%d" % srv.unit("LC001")["id"]), 200).json()["total"] == 0
    assert h.expect_status(cv.get("/patrons/%d" % mine), 200).json()["patron"]["id"] == mine
    h.expect_error(cv.post("/patrons/%d/status" % mine, {"status": "blocked", "reason": "x"}), 403)
    # The other school's list shows none of THCS001's readers.
    j = h.expect_status(other.get("/patrons?q=" + rows[0]["code"]), 200).json()
    assert j["total"] == 0
    h.assert_healthy(srv)


def test_reading_history_can_be_hidden_at_the_readers_request():
    """The privacy switch (issue 4, item 7): the librarian records the reader's wish; the loans stay."""
    c = h.logged_in(srv, "thuthu.th001")
    pid = srv.sql_value("SELECT p.id FROM patrons p JOIN units u ON u.id = p.unit_id"
                        " WHERE u.code = 'TH001' AND p.kind = 'student' ORDER BY p.id LIMIT 1")
    assert h.expect_status(c.get("/patrons/%d" % pid), 200).json()["patron"]["hide_history"] is False
    r = h.expect_status(c.post("/patrons/%d/privacy" % pid, {"hide_history": "1"}), 200)
    assert r.json()["hide_history"] is True
    assert srv.sql_value("SELECT hide_history FROM patrons WHERE id = %d" % pid) == 1
    assert h.expect_status(c.get("/patrons/%d" % pid), 200).json()["patron"]["hide_history"] is True
    assert srv.audit("action = 'patron.privacy' AND entity_id = %d" % pid)
    # Bad values change nothing; another school's librarian cannot; a reader cannot.
    for bad in ("", "2", "yes"):
        h.expect_error(c.post("/patrons/%d/privacy" % pid, {"hide_history": bad}), 400)
    h.expect_error(h.logged_in(srv, "thuthu.thcs001").post("/patrons/%d/privacy" % pid, {"hide_history": "0"}), 404)
    h.expect_error(h.logged_in(srv, "bandoc.th001").post("/patrons/%d/privacy" % pid, {"hide_history": "0"}), 403)
    assert srv.sql_value("SELECT hide_history FROM patrons WHERE id = %d" % pid) == 1
    # The page offers the switch back, in Vietnamese.
    b = h.Client(srv, json=False)
    b.login_form("thuthu.th001")
    page = h.expect_status(b.get("/patrons/%d" % pid), 200).text
    assert h.in_html(h.vi("patron.history.hidden"), page) and 'action="/patrons/%d/privacy"' % pid in page
    h.expect_status(c.post("/patrons/%d/privacy" % pid, {"hide_history": "0"}), 200)
    assert srv.sql_value("SELECT hide_history FROM patrons WHERE id = %d" % pid) == 0


def test_registers_reconcile():
    """Last: what the registers rest on still holds after these scenarios (thuvien check)."""
    srv.check()
