"""test_exchange.py: data exchange with the education sector database (issue 8, item 5).

Units and enrolment imported through the pages (upload, preview with the mapping, commit), the
mapping remembered, a second import changing nothing, all or nothing on a bad row, the scope of
an office's admin and of a school's librarian, the CLI's imports, the enrolment form, and API
tokens: made on the page (shown once), Bearer authentication on /api/v1/units, another subtree
invisible, a revoked, garbage or missing token answered 401.
"""
import json

import harness as h

srv = None

UNITS_CSV = ("\ufeffDANH SÁCH ĐƠN VỊ TRỰC THUỘC;;;;;\n"
             "Mã đơn vị;Tên đơn vị;Cấp học;Mã đơn vị cấp trên;Loại hình;Loại đơn vị\n"
             "PGD05;Phòng GD&ĐT Quận 5;;SGD;Công lập;Phòng GD&ĐT\n"
             "TH005;Trường Tiểu học Quận 5;Tiểu học;PGD05;Công lập;Trường\n"
             "THCS005;Trường THCS Nguyễn Du;THCS;PGD05;Tư thục;\n")


def setup_module():
    global srv
    srv = h.Server().start()


def teardown_module():
    srv.stop()


def fields_of(p):
    """The mapping the preview chose, as the commit form posts it."""
    return {"map_" + f["field"]: str(f["column"]) for f in p["fields"]}


def upload(c, data, kind="units", filename="donvi.csv"):
    return h.upload(c, data if isinstance(data, bytes) else data.encode(), filename=filename,
                    path="/exchange/" + kind)


def units_snapshot():
    return srv.sql("SELECT code, name, kind, school_level, path, ownership, active, parent_id FROM units ORDER BY code")


def test_units_import_preview_commit_idempotent_and_remembered():
    c = h.logged_in(srv, "admin")
    p = h.expect_status(upload(c, UNITS_CSV), 200).json()
    assert p["format"] == "csv" and p["header_line"] == 2 and p["rows_read"] == 3, p
    assert (p["created"], p["updated"], p["unchanged"], p["errors"]) == (3, 0, 0, 0), p
    cols = {f["field"]: f["header"] for f in p["fields"]}
    assert cols["code"] == "Mã đơn vị" and cols["parent_code"] == "Mã đơn vị cấp trên" and cols["ownership"] == "Loại hình"
    assert not p["remembered"]
    before = units_snapshot()
    assert not any(u["code"] == "PGD05" for u in before), "the preview wrote"
    d = h.expect_status(c.post("/exchange/units/commit", dict(fields_of(p), token=p["token"])), 200).json()
    assert d["written"] and d["created"] == 3, d
    pgd = srv.unit("PGD05")
    th = srv.unit("TH005")
    thcs = srv.unit("THCS005")
    assert pgd["kind"] == "office" and pgd["path"] == srv.unit("SGD")["path"] + "%d/" % pgd["id"]
    assert th["path"] == pgd["path"] + "%d/" % th["id"] and th["school_level"] == "th" and th["ownership"] == "public"
    assert thcs["school_level"] == "thcs" and thcs["ownership"] == "private"
    assert srv.audit("action = 'units.import'"), "no audit row for the import"
    assert len(srv.audit("action = 'unit.import.create'")) == 3
    # Again: nothing changes, and the mapping is the remembered one.
    snap = units_snapshot()
    p2 = h.expect_status(upload(c, UNITS_CSV), 200).json()
    assert (p2["created"], p2["updated"], p2["unchanged"]) == (0, 0, 3) and p2["remembered"], p2
    d2 = h.expect_status(c.post("/exchange/units/commit", dict(fields_of(p2), token=p2["token"])), 200).json()
    assert not d2["written"] and d2["created"] == 0 and d2["updated"] == 0, d2
    assert units_snapshot() == snap
    # As a page (HTML): the preview says nothing changes, in Vietnamese.
    b = h.logged_in(srv, "admin", json=False)
    r = h.expect_status(upload(b, UNITS_CSV), 200)
    assert h.in_html(h.vi("xchg.nothing"), r.text), r.text[:2000]


def test_units_mapping_chosen_in_the_page_is_remembered():
    c = h.logged_in(srv, "so.admin")
    csv = "ma,ten,truong_cap_tren,cap\nTH006,Trường Tiểu học Số 6,PGD05,Tiểu học\n"
    p = h.expect_status(upload(c, csv), 200).json()
    # "truong_cap_tren" is not a header we know: the parent is unmapped, so the new unit is an error
    assert p["errors"] == 1 and p["error_rows"][0]["key"] == "err.xunits.parent_missing", p
    f = fields_of(p)
    f["map_parent_code"] = "2"
    p2 = h.expect_status(c.post("/exchange/units/preview", dict(f, token=p["token"])), 200).json()
    assert p2["created"] == 1 and p2["errors"] == 0, p2
    d = h.expect_status(c.post("/exchange/units/commit", dict(fields_of(p2), token=p["token"])), 200).json()
    assert d["created"] == 1
    assert srv.unit("TH006")["parent_id"] == srv.unit("PGD05")["id"]
    # the next file with the same headers gets the chosen mapping back
    p3 = h.expect_status(upload(c, "ma,ten,truong_cap_tren,cap\nTH006,Trường Tiểu học Số Sáu,PGD05,Tiểu học\n"), 200).json()
    assert p3["remembered"] and p3["updated"] == 1 and p3["errors"] == 0, p3


def test_units_move_recomputes_the_subtree_paths():
    c = h.logged_in(srv, "admin")
    # PGD05 (with TH005, THCS005, TH006) moves under PGD01
    p = h.expect_status(upload(c, json.dumps({"units": [{"code": "PGD05", "name": "Phòng GD&ĐT Quận 5",
                                                           "kind": "office", "parent_code": "PGD01"}]}),
                               filename="u.json"), 200).json()
    assert p["format"] == "json" and p["updated"] == 1, p
    h.expect_status(c.post("/exchange/units/commit", dict(fields_of(p), token=p["token"])), 200)
    pgd1, pgd5 = srv.unit("PGD01"), srv.unit("PGD05")
    assert pgd5["path"] == pgd1["path"] + "%d/" % pgd5["id"]
    for code in ("TH005", "THCS005", "TH006"):
        u = srv.unit(code)
        assert u["path"] == pgd5["path"] + "%d/" % u["id"], (code, u)
    # and phong1.admin now sees TH005 in its tree
    t = h.expect_status(h.logged_in(srv, "phong1.admin").get("/units"), 200).json()
    assert "TH005" in [u["code"] for u in t["units"]]


def test_units_bad_files_change_nothing():
    c = h.logged_in(srv, "admin")
    cases = [
        ("code,name,kind,parent_code\nPGD01,P1,office,PGD05\n", "err.xunits.cycle"),
        ("code,name,kind,school_level,parent_code\nTH777,X,school,th,NOPE99\n", "err.xunits.parent_unknown"),
        ("code,name,kind,school_level,parent_code\nTH778,X,school,th,TH001\n", "err.xunits.parent_school"),
        ("code,name,kind,school_level,parent_code\nTH779,X,school,th,SGD\nTH779,Y,school,th,SGD\n", "err.xchg.duplicate"),
        ("code,name,kind,school_level,parent_code\nTH780,X,school,Đại học,SGD\n", "err.xunits.level"),
        ("code,name,ownership,school_level,parent_code\nTH781,X,Nửa công,th,SGD\n", "err.xunits.ownership"),
    ]
    before = srv.db_snapshot(audit_ignore=("login.", "logout"), extra=["import_mappings"])
    for csv, key in cases:
        p = h.expect_status(upload(c, csv), 200).json()
        assert p["errors"] >= 1 and key in [e["key"] for e in p["error_rows"]], (key, p)
        r = c.post("/exchange/units/commit", dict(fields_of(p), token=p["token"]))
        e = h.expect_status(r, 422).json()
        assert e["created"] == 0 or e["errors"] >= 1
    # broken files: the upload page says why
    for data, key in [(b"\xff\xfe bad utf-8", "err.xchg.utf8"), (b"[1, 2", "err.xchg.json"),
                      (b'{"x": 1}', "err.xchg.json_shape"), (b"a,b\n1,2\n", "err.xchg.header"),
                      (b"PK\x03\x04" + b"\x00" * 100, None), (b"", "err.import.nofile")]:
        r = upload(c, data)
        assert r.status in (400, 413), (key, h.describe(r))
        if key:
            assert r.json()["error"]["code"] == key, r.json()
    assert h.snapshot_diff(before, srv.db_snapshot(audit_ignore=("login.", "logout"), extra=["import_mappings"])) == ""
    # and in Vietnamese on the page
    b = h.logged_in(srv, "admin", json=False)
    r = upload(b, b"\xff\xfe")
    assert r.status == 400 and h.in_html(h.vi("err.xchg.utf8"), r.text)


def test_units_import_scope():
    # an office's admin: its subtree only
    c = h.logged_in(srv, "phong2.admin")
    p = h.expect_status(upload(c, "code,name,kind,school_level,parent_code\nTH301,Trường Quận 3,school,th,PGD03\n"
                                  "TH001,Đổi tên trường người khác,school,th,PGD01\n"), 200).json()
    keys = {e["code"]: e["key"] for e in p["error_rows"]}
    assert keys == {"TH001": "err.xunits.scope"}, p
    h.expect_status(c.post("/exchange/units/commit", dict(fields_of(p), token=p["token"])), 422)
    assert srv.sql("SELECT COUNT(*) AS n FROM units WHERE code = 'TH301'")[0]["n"] == 0
    p = h.expect_status(upload(c, "code,name,kind,school_level,parent_code\nTH302,Trường mới,school,th,PGD01\n"), 200).json()
    assert p["error_rows"][0]["key"] == "err.xunits.scope", p
    # within its subtree it works
    p = h.expect_status(upload(c, "code,name,kind,school_level,parent_code\nTH301,Trường Quận 3,school,th,PGD03\n"), 200).json()
    h.expect_status(c.post("/exchange/units/commit", dict(fields_of(p), token=p["token"])), 200)
    assert srv.unit("TH301")["parent_id"] == srv.unit("PGD03")["id"]
    # a school's librarian, leader or an inspector imports no units at all
    for user in ("thuthu.th001", "bgh.th001", "phong1.chuyenvien", "bandoc.th001"):
        u = h.logged_in(srv, user)
        h.expect_error(u.get("/exchange/units"), 403)
        h.expect_error(upload(u, UNITS_CSV), 403)


def test_enrolment_import():
    c = h.logged_in(srv, "phong1.admin")
    data = json.dumps([{"Mã trường": "TH001", "Năm học": "2025 - 2026", "Số học sinh": 1234, "Số giáo viên": "56",
                        "Số lớp": 30},
                       {"Mã trường": "THCS001", "Năm học": "2025", "Số học sinh": "1.200", "Số giáo viên": 40}])
    p = h.expect_status(upload(c, data, kind="enrolment", filename="siso.json"), 200).json()
    assert (p["created"], p["errors"]) == (2, 0), p
    h.expect_status(c.post("/exchange/enrolment/commit", dict(fields_of(p), token=p["token"])), 200)
    rows = srv.sql("SELECT u.code, e.school_year, e.pupils, e.teachers, e.classes, e.source FROM unit_enrolment e "
                   "JOIN units u ON u.id = e.unit_id ORDER BY u.code")
    assert [(r["code"], r["school_year"], r["pupils"], r["teachers"], r["classes"], r["source"]) for r in rows] == [
        ("TH001", "2025-2026", 1234, 56, 30, "import"), ("THCS001", "2025-2026", 1200, 40, 0, "import")], rows
    p = h.expect_status(upload(c, data, kind="enrolment", filename="siso.json"), 200).json()
    assert (p["created"], p["updated"], p["unchanged"]) == (0, 0, 2), p
    # errors: negative, not a number, unknown or foreign school, not a school, a bad year
    bad = ("Mã trường;Năm học;Số học sinh;Số giáo viên\nTH001;2025-2026;-5;3\nTH001;2024-2025;mười;3\n"
           "LC001;2025-2026;1;1\nPGD01;2025-2026;1;1\nTH001;2025-2027;1;1\n")
    p = h.expect_status(upload(c, bad, kind="enrolment"), 200).json()
    keys = [e["key"] for e in p["error_rows"]]
    assert keys == ["err.xchg.number", "err.xchg.number", "err.xenrol.unknown_unit", "err.xchg.not_school",
                    "err.xchg.year"], p
    before = srv.sql("SELECT * FROM unit_enrolment ORDER BY unit_id, school_year")
    h.expect_status(c.post("/exchange/enrolment/commit", dict(fields_of(p), token=p["token"])), 422)
    assert srv.sql("SELECT * FROM unit_enrolment ORDER BY unit_id, school_year") == before
    # the school's librarian imports its own school only
    u = h.logged_in(srv, "thuthu.th001")
    p = h.expect_status(upload(u, "Mã trường,Năm học,Số học sinh,Số giáo viên\nTH001,2024-2025,1100,50\n"
                                  "THCS001,2024-2025,1,1\n", kind="enrolment"), 200).json()
    assert [e["code"] for e in p["error_rows"]] == ["THCS001"], p


def test_enrolment_form():
    th = srv.unit("TH001")["id"]
    lib = h.logged_in(srv, "thuthu.th001")
    r = h.expect_status(lib.get("/units/%d/enrolment" % th), 200).json()
    assert r["can_write"]
    h.expect_redirect(lib.post("/units/%d/enrolment" % th, {"school_year": "2026-2027", "pupils": "1 250",
                                                            "teachers": "60", "classes": "31"}))
    row = srv.sql("SELECT pupils, teachers, classes, source FROM unit_enrolment WHERE unit_id = %d AND "
                  "school_year = '2026-2027'" % th)[0]
    assert row == {"pupils": 1250, "teachers": 60, "classes": 31, "source": "form"}, row
    assert srv.audit("action = 'enrolment.set'")
    # bad numbers: a clear message, nothing written
    before = srv.sql("SELECT * FROM unit_enrolment ORDER BY unit_id, school_year")
    for f in ({"pupils": "-1", "teachers": "1"}, {"pupils": "abc", "teachers": "1"}, {"pupils": "1", "teachers": ""},
              {"pupils": "1", "teachers": "1", "classes": "1,5"}):
        e = h.expect_error(lib.post("/units/%d/enrolment" % th, dict(f, school_year="2026-2027")), 400, "err.xchg.number")
    h.expect_error(lib.post("/units/%d/enrolment" % th, {"school_year": "26-27", "pupils": "1", "teachers": "1"}),
                   400, "err.xchg.year")
    assert srv.sql("SELECT * FROM unit_enrolment ORDER BY unit_id, school_year") == before
    b = h.logged_in(srv, "thuthu.th001", json=False)
    r = b.post("/units/%d/enrolment" % th, {"school_year": "2026-2027", "pupils": "-3", "teachers": "1"})
    assert r.status == 422 and h.in_html(h.vi("err.xchg.number"), r.text)
    # the leader may, an admin above may; a reader may not; another school is not found
    h.expect_redirect(h.logged_in(srv, "bgh.th001").post("/units/%d/enrolment" % th,
                      {"school_year": "2026-2027", "pupils": "1251", "teachers": "60"}))
    h.expect_redirect(h.logged_in(srv, "phong1.admin").post("/units/%d/enrolment" % th,
                      {"school_year": "2026-2027", "pupils": "1252", "teachers": "60"}))
    assert srv.sql_value("SELECT pupils FROM unit_enrolment WHERE unit_id = %d AND school_year = '2026-2027'" % th) == 1252
    h.expect_error(h.logged_in(srv, "bandoc.th001").post("/units/%d/enrolment" % th,
                   {"school_year": "2026-2027", "pupils": "1", "teachers": "1"}), 403)
    h.expect_error(h.logged_in(srv, "thuthu.thcs001").post("/units/%d/enrolment" % th,
                   {"school_year": "2026-2027", "pupils": "1", "teachers": "1"}), 404)
    # an office is not a school
    h.expect_error(h.logged_in(srv, "phong1.admin").post("/units/%d/enrolment" % srv.unit("PGD01")["id"],
                   {"school_year": "2026-2027", "pupils": "1", "teachers": "1"}), 400, "err.xchg.not_school")


def api(token, path="/api/v1/units"):
    c = h.Client(srv)
    return c.get(path, headers={"Authorization": "Bearer " + token} if token is not None else None)


def test_api_tokens():
    c = h.logged_in(srv, "phong1.admin")
    pgd1 = srv.unit("PGD01")["id"]
    r = h.expect_status(c.post("/api-tokens", {"unit_id": str(pgd1), "name": "CSDL ngành Quận 1"}), 201)
    tok = r.json()["token"]
    assert tok.startswith("tv_") and len(tok) == 67
    assert r.header("Cache-Control") == "no-store"
    # shown once: never again in the list, and only its hash stored
    listing = h.expect_status(c.get("/api-tokens"), 200)
    assert tok not in listing.text and tok[3:] not in listing.text
    assert srv.sql_value("SELECT COUNT(*) FROM api_tokens WHERE token_hash = %s" % h.sql_str(tok)) == 0
    assert srv.audit("action = 'api_token.create'")
    # it works, and shows PGD01's subtree only
    j = h.expect_status(api(tok), 200).json()
    codes = {u["code"] for u in j["units"]}
    assert "PGD01" in codes and "TH001" in codes and "THCS001" in codes, codes
    assert not codes & {"SGD", "PGD03", "LC001", "THPT001"}, codes
    th = [u for u in j["units"] if u["code"] == "TH001"][0]
    assert th["kind"] == "school" and th["school_level"] == "th" and th["parent_code"] == "PGD01" and th["ownership"] == "public"
    assert srv.sql_value("SELECT last_used_at FROM api_tokens WHERE id = %d" % r.json()["token_id"])
    # no session from a token, and a cookie session does not open the API
    assert api(tok).header("Set-Cookie") is None
    h.expect_error(c.get("/api/v1/units"), 401, "err.api.token_missing")
    # garbage, missing, wrong scheme: 401 in JSON
    for t in ("", "tv_" + "0" * 64, "garbage", "tv_" + "z" * 64, tok[:-1]):
        h.expect_error(api(t), 401)
    h.expect_error(api(None), 401, "err.api.token_missing")
    r2 = h.Client(srv).get("/api/v1/units", headers={"Authorization": "Basic " + tok})
    h.expect_error(r2, 401)
    # writing through the API: no such method
    h.expect_status(h.Client(srv).request("POST", "/api/v1/units", body=b"", headers={"Authorization": "Bearer " + tok}), 405)
    # another subtree's admin can neither see nor revoke it
    tid = r.json()["token_id"]
    o = h.logged_in(srv, "phong2.admin")
    assert "CSDL ngành Quận 1" not in h.expect_status(o.get("/api-tokens"), 200).text
    h.expect_error(o.post("/api-tokens/%d/revoke" % tid, {}), 404)
    h.expect_status(api(tok), 200)
    # a librarian has no token page
    h.expect_error(h.logged_in(srv, "thuthu.th001").get("/api-tokens"), 403)
    # revoked: 401
    h.expect_redirect(c.post("/api-tokens/%d/revoke" % tid, {}))
    h.expect_error(api(tok), 401, "err.api.token")
    assert srv.audit("action = 'api_token.revoke'")
    # a bad name: a message, nothing made
    n = srv.sql_value("SELECT COUNT(*) FROM api_tokens")
    h.expect_error(c.post("/api-tokens", {"unit_id": str(pgd1), "name": "  "}), 400, "err.api.token_name")
    assert srv.sql_value("SELECT COUNT(*) FROM api_tokens") == n
    # the page (HTML) shows the new token once
    b = h.logged_in(srv, "phong1.admin", json=False)
    r = b.post("/api-tokens", {"unit_id": str(pgd1), "name": "Bảng điều khiển"})
    assert r.status == 201 and 'id="new-token"' in r.text


def test_api_stats():
    """GET /api/v1/stats: the token's unit (or one of its subtree) with every indicator and one entry
    per child; the unit's additive figures are the sums of its children's; CSV the same; another
    subtree's unit is not found; a bad period is refused."""
    c = h.logged_in(srv, "phong1.admin")
    tok = h.expect_status(c.post("/api-tokens", {"unit_id": str(srv.unit("PGD01")["id"]), "name": "Thống kê"}),
                          201).json()["token"]
    # a loan at TH001 so the figures are not all zero
    lib = h.logged_in(srv, "thuthu.th001")
    h.expect_status(lib.post("/catalog", {"title": "Sách thống kê API", "doc_type": "STK", "copies": "2"}), 201)
    j = h.expect_status(api(tok, "/api/v1/stats?year=2026-2027"), 200).json()
    assert j["unit"] == "PGD01" and j["year"] == "2026-2027" and j["from"] == "2026-08" and j["to"] == "2027-07", j
    kids = {k["unit"]: k for k in j["children"]}
    assert {"TH001", "THCS001"} <= set(kids), kids.keys()
    for ind in ("copies_held", "value_held", "titles_held", "readers_registered", "loans_total", "intake_copies"):
        assert j["values"][ind] == sum(k["values"][ind] for k in j["children"]), ind
    assert kids["TH001"]["values"]["copies_held"] >= 2
    one = h.expect_status(api(tok, "/api/v1/stats?unit=TH001&year=2026-2027"), 200).json()
    assert one["unit"] == "TH001" and one["children"] == [] and one["values"] == kids["TH001"]["values"]
    r = h.expect_status(api(tok, "/api/v1/stats?year=2026-2027&format=csv"), 200)
    assert r.header("Content-Type").startswith("text/csv")
    lines = r.text.strip().split("\r\n")
    assert lines[0].startswith("unit,name,copies_held,") and lines[1].startswith("PGD01,")
    assert len(lines) == 1 + 1 + len(j["children"])
    # outside the token's subtree, or no such unit: the same 404
    a, b = (h.expect_error(api(tok, "/api/v1/stats?unit=%s" % u), 404) for u in ("THPT001", "NOSUCH"))
    assert a == b, (a, b)
    for q in ("year=2025", "year=2025-2026&from=2026-09", "year=2025-2026&from=2025-12&to=2025-09", "from=13"):
        h.expect_error(api(tok, "/api/v1/stats?" + q), 400)
    h.expect_error(api(None, "/api/v1/stats"), 401, "err.api.token_missing")


def test_cli_imports_and_tokens():
    import os
    path = os.path.join(srv.tmp, "donvi.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("code,name,kind,school_level,parent_code,ownership\nMN001,Trường Mầm non Hoa Sen,school,Mầm non,PGD03,"
                "Dân lập\n")
    p = srv.cli("import", "units", "--dry-run", path)
    assert "created 1" in p.stdout and "dry run" in p.stdout
    assert srv.sql_value("SELECT COUNT(*) FROM units WHERE code = 'MN001'") == 0
    p = srv.cli("import", "units", path)
    assert "created 1" in p.stdout
    u = srv.unit("MN001")
    assert u["school_level"] == "mn" and u["ownership"] == "private"
    p = srv.cli("import", "units", path)
    assert "created 0, updated 0, unchanged 1" in p.stdout and "nothing changed" in p.stdout
    with open(path, "w", encoding="utf-8") as f:
        f.write("code,name,kind,parent_code\nPGD03,Phòng 3,office,MN001\n")
    p = srv.cli("import", "units", path, check=False)
    assert p.returncode == 1 and "line 2" in p.stdout
    p = srv.cli("import", "units", "--as", "phong1.admin", os.path.join(srv.tmp, "donvi.csv"), check=False)
    assert p.returncode == 1
    with open(path, "w", encoding="utf-8") as f:
        f.write("Mã trường,Năm học,Số học sinh,Số giáo viên\nMN001,2025-2026,210,18\n")
    p = srv.cli("import", "enrolment", path)
    assert "created 1" in p.stdout
    p = srv.cli("token", "add", "--unit", "PGD03", "--name", "CSDL ngành")
    tok = p.stdout.strip()
    assert tok.startswith("tv_") and len(tok) == 67
    codes = {u["code"] for u in h.expect_status(api(tok), 200).json()["units"]}
    assert "MN001" in codes and "LC001" in codes and "TH001" not in codes
    tid = srv.sql_value("SELECT MAX(id) FROM api_tokens")
    assert "CSDL ngành" in srv.cli("token", "list").stdout
    srv.cli("token", "revoke", str(tid))
    h.expect_error(api(tok), 401)


def test_patrons_from_the_sector_database_json():
    """The class-list import takes the sector database's JSON export of students and of teachers,
    idempotent by the student's (teacher's) code."""
    c = h.logged_in(srv, "thuthu.th001")
    students = json.dumps({"hoc_sinh": [
        {"Mã học sinh": "7901234561", "Họ và tên": "Phạm Minh Khôi", "Ngày sinh": "05/09/2015", "Giới tính": "Nam",
         "Lớp": "5A1", "Khối": 5},
        {"Mã học sinh": "7901234562", "Họ và tên": "Lý Thu Trang", "Ngày sinh": "2015-12-01", "Giới tính": "Nữ",
         "Lớp": "5A1", "Khối": 5}]}, ensure_ascii=False)
    p = h.expect_status(h.upload(c, students.encode(), filename="hocsinh.json", path="/patrons/import"), 200).json()
    assert p["format"] == "json" and p["created"] == 2 and p["errors"] == 0, p
    mf = {"map_" + f["field"]: str(f["column"]) for f in p["fields"]}
    h.expect_status(c.post("/patrons/import/commit", dict(mf, token=p["token"])), 200)
    th = srv.unit("TH001")["id"]
    rows = srv.sql("SELECT student_code, kind, class_name FROM patrons WHERE unit_id = %d AND student_code LIKE '79012345%%' "
                   "ORDER BY student_code" % th)
    assert [(r["student_code"], r["kind"], r["class_name"]) for r in rows] == [
        ("7901234561", "student", "5A1"), ("7901234562", "student", "5A1")], rows
    p = h.expect_status(h.upload(c, students.encode(), filename="hocsinh.json", path="/patrons/import"), 200).json()
    assert p["created"] == 0 and p["updated"] == 0 and p["unchanged"] == 2, p
    teachers = json.dumps([{"Mã giáo viên": "GV79001", "Họ và tên": "Trịnh Văn Sơn", "Tổ chuyên môn": "Tổ Toán",
                            "Giới tính": "Nam"}], ensure_ascii=False)
    p = h.expect_status(h.upload(c, teachers.encode(), filename="giaovien.json", path="/patrons/import"), 200).json()
    assert p["created"] == 1 and p["errors"] == 0, p
    mf = {"map_" + f["field"]: str(f["column"]) for f in p["fields"]}
    h.expect_status(c.post("/patrons/import/commit", dict(mf, token=p["token"])), 200)
    assert srv.sql_value("SELECT kind FROM patrons WHERE unit_id = %d AND student_code = 'GV79001'" % th) == "teacher"
    # broken JSON: a clear message, nothing written
    r = h.upload(c, b'[{"H\xe1\xbb\x8d v\xc3\xa0 t\xc3\xaan": ', filename="x.json", path="/patrons/import")
    h.expect_error(r, 400, "err.xchg.json")


def test_every_word_is_translated():
    """Every {{@key}} of the exchange's templates and every message key of src/exchange/ is in
    i18n/vi.txt and i18n/en.txt, and the pages show no key as such, in both languages."""
    import os
    import re
    keys = set()
    for t in ("exchange_import", "exchange_preview", "exchange_done", "enrolment", "api_tokens"):
        with open(os.path.join(h.ROOT, "templates", t + ".html"), encoding="utf-8") as f:
            keys |= set(re.findall(r"\{\{@([\w.]+)\}\}", f.read()))
    for fn in os.listdir(os.path.join(h.ROOT, "src", "exchange")):
        with open(os.path.join(h.ROOT, "src", "exchange", fn), encoding="utf-8") as f:
            keys |= set(re.findall(r'"(err\.[a-z_]+\.[a-z_]+)"', f.read()))
    keys |= {"xchg.f." + f for f in ("code", "name", "kind", "school_level", "parent_code", "ownership", "active",
                                     "school_year", "pupils", "teachers", "classes")}
    keys |= {"xchg.source.form", "xchg.source.import"}
    assert len(keys) > 60, keys
    def has(lang, k):
        try:
            return bool(h.i18n(lang, k))
        except AssertionError:
            return False
    for lang in ("vi", "en"):
        missing = sorted(k for k in keys if not has(lang, k))
        assert not missing, "%s.txt lacks %r" % (lang, missing)
    th = srv.unit("TH001")["id"]
    for user, lang in (("admin", "vi"), ("phong1.admin", "en")):
        b = h.logged_in(srv, user, json=False)
        if lang == "en":
            h.expect_redirect(b.post("/lang", {"lang": "en"}))
        for page in ("/exchange/units", "/exchange/enrolment", "/api-tokens", "/units/%d/enrolment" % th):
            r = h.expect_status(b.get(page), 200)
            left = re.findall(r"(?<![\w/.-])((?:xchg|api\.tokens|pimport|err\.x\w+)\.[a-z0-9_.]+)", re.sub(r"<[^>]*>", " ", r.text))
            assert not left, (page, lang, left)
        r = upload(b, "code,name,school_level,parent_code\nTH900,X,th,NOPE\n")
        assert r.status == 200 and h.in_html(h.i18n(lang, "err.xunits.parent_unknown"), r.text), r.text[:3000]
