"""test_accounts.py: the account administration workflow of unit admins (requirement M11): create,
refuse duplicates and roles that do not fit the unit, disable, enable, reset, unlock, search, and
the audit trail each change leaves, read back through the audit page and its filters.

Admins acting: quantri.th001 (a school), phong1.admin (an office), admin (the sysadmin).
"""
import re
import unicodedata

import harness as h

srv = None
NEW_PW = "Mat-khau-dau-tien-2026"


def setup_module():
    global srv
    srv = h.Server().start()


def teardown_module():
    srv.stop()


def create(c, unit_code, username, role="librarian", full_name="Nguyễn Văn Toàn", json=True, password=NEW_PW):
    return c.post("/accounts", {"unit_id": srv.unit(unit_code)["id"], "username": username, "full_name": full_name,
                                "role": role, "password": password}, json=json)


def audit_rows(action, entity_id):
    return srv.audit("action = %s AND entity_id = %d" % (h.sql_str(action), entity_id))


def test_create_account_json_201():
    c = h.logged_in(srv, "quantri.th001")
    r = create(c, "TH001", "  GV.Toan01 ", full_name="  Nguyễn Văn Toàn  ")
    h.expect_status(r, 201)
    a = r.json()["account"]
    assert a["username"] == "gv.toan01", "user name not trimmed and lower-cased: %r" % a["username"]
    assert a["full_name"] == "Nguyễn Văn Toàn", "full name not trimmed: %r" % a["full_name"]
    assert (a["role"], a["unit_code"], a["must_change_password"], a["disabled"], a["locked"]) == \
        ("librarian", "TH001", True, False, False), a
    assert a["last_login"] is None and re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", a["created_at"]), a
    row = srv.account("gv.toan01")
    assert row["id"] == a["id"] and row["must_change_password"] == 1 and row["role"] == "librarian"
    assert row["password_hash"].startswith("$argon2id$"), "password not hashed with Argon2id"
    assert NEW_PW not in str(row), "the password is stored in clear"
    log = audit_rows("account.create", a["id"])
    assert len(log) == 1, log
    assert log[0]["username"] == "quantri.th001" and log[0]["account_id"] == srv.account("quantri.th001")["id"], log
    assert "gv.toan01" in log[0]["detail"] and "TH001" in log[0]["detail"], log[0]["detail"]
    assert log[0]["unit_path"] == srv.unit("TH001")["path"] and log[0]["ip"] == "127.0.0.1", log[0]
    # The new account can log in (and must change its password).
    assert h.logged_in(srv, "gv.toan01", NEW_PW).login_answer["must_change_password"] is True
    # A name typed in decomposed form (e + combining marks, as some keyboards send it) is stored
    # precomposed (NFC), so it displays and compares like any other.
    nfd = unicodedata.normalize("NFD", "Trần Thị Ánh Tuyết")
    r = create(c, "TH001", "gv.nfd01", full_name=nfd)
    h.expect_status(r, 201)
    assert r.json()["account"]["full_name"] == unicodedata.normalize("NFC", nfd), r.json()["account"]["full_name"]
    assert srv.account("gv.nfd01")["full_name"] == "Trần Thị Ánh Tuyết"


def test_create_account_html_303():
    b = h.Client(srv, json=False)
    b.login_form("quantri.th001")
    form = h.expect_status(b.get("/accounts/new"), 200).text
    assert 'name="unit_id"' in form and 'value="librarian"' in form and 'value="sysadmin"' not in form
    r = create(b, "TH001", "gv.html01", json=False)
    h.expect_status(r, 303)
    uid = srv.account("gv.html01")["id"]
    assert r.header("Location") == "/accounts/%d?ok=created" % uid, r.header("Location")
    page = h.expect_status(b.get(r.header("Location")), 200).text
    assert h.in_html(h.vi("ok.account.created"), page), "no 'created' notice on the account page"
    assert "gv.html01" in page
    assert audit_rows("account.create", uid)


def test_duplicate_username_409():
    c = h.logged_in(srv, "quantri.th001")
    h.expect_status(create(c, "TH001", "gv.trung01"), 201)
    c2 = h.logged_in(srv, "quantri.thcs001")
    b = h.Client(srv, json=False)
    b.login_form("quantri.th001")
    before = srv.db_snapshot()
    for name in ("gv.trung01", "GV.TRUNG01", " gv.trung01 ", "thuthu.th001", "admin"):
        e = h.expect_error(create(c, "TH001", name), 409, "err.account.taken")
        assert e["message"] == h.vi("err.account.taken"), e
    # Another school's admin hits the same wall: user names are city-wide.
    h.expect_error(create(c2, "THCS001", "gv.trung01"), 409, "err.account.taken")
    r = create(b, "TH001", "gv.trung01", full_name="Người Trùng Tên", json=False)
    h.expect_status(r, 409)
    assert h.in_html(h.vi("err.account.taken"), r.text), "the form does not say the name is taken"
    assert 'value="gv.trung01"' in r.text and h.in_html("Người Trùng Tên", r.text), "the form lost what was typed"
    h.assert_unchanged(before, srv.db_snapshot(), "duplicate creations")


def test_role_must_fit_the_unit_kind():
    office = h.logged_in(srv, "phong1.admin")
    school = h.logged_in(srv, "quantri.th001")
    before = srv.db_snapshot()
    cases = [
        (office, "PGD01", "librarian", "err.account.role_unit"),   # no library at an office
        (office, "PGD01", "reader", "err.account.role_unit"),
        (office, "PGD01", "leader", "err.account.role_unit"),
        (school, "TH001", "inspector", "err.account.role_unit"),   # inspectors sit at offices
        (school, "TH001", "sysadmin", "err.account.role_unit"),    # only a sysadmin makes one
        (office, "PGD01", "sysadmin", "err.account.role_unit"),
        (school, "TH001", "boss", "err.account.role"),
        (school, "TH001", "", "err.account.role"),
    ]
    for n, (c, unit, role, code) in enumerate(cases):
        e = h.expect_error(create(c, unit, "vai.tro%d" % n, role=role), 400, code)
        assert e["message"] == h.vi(code), e
    h.assert_unchanged(before, srv.db_snapshot(), "refused roles")
    # What does fit is accepted.
    h.expect_status(create(office, "PGD01", "cv.phong01", role="inspector"), 201)
    h.expect_status(create(office, "TH001", "tt.phong01", role="librarian"), 201)
    h.expect_status(create(h.logged_in(srv, "admin"), "SGD", "it.thanhpho01", role="sysadmin"), 201)


def test_create_refuses_bad_fields():
    c = h.logged_in(srv, "quantri.th001")
    before = srv.db_snapshot()
    for username in ("ab", "gv toan", "gv/toan", "-gv", "gv.toán", ""):
        h.expect_error(create(c, "TH001", username), 400, "err.account.username")
    h.expect_error(create(c, "TH001", "gv.pw01", password="1234567890"), 400, "err.password.common")
    h.expect_error(create(c, "TH001", "gv.pw02", password="ngan"), 400, "err.password.short")
    # The minimum length counts letters, not bytes: 9 Vietnamese letters are 14 bytes but too short.
    h.expect_error(create(c, "TH001", "gv.pw07", password="Đàlạtđẹp1"), 400, "err.password.short")
    h.expect_error(create(c, "TH001", "gv.pw03.dai", password="GV.PW03.DAI"), 400, "err.password.username")
    h.expect_error(create(c, "TH001", "gv.pw04", password=""), 400, "err.password.empty")
    h.expect_error(c.post("/accounts", {"unit_id": "999999", "username": "gv.pw05", "role": "reader",
                                        "password": NEW_PW}), 404, "err.unit.notfound")
    h.expect_status(c.post("/accounts", {"username": "gv.pw06", "role": "reader", "password": NEW_PW}), 400, 404)
    h.assert_unchanged(before, srv.db_snapshot(), "refused creations")


def test_disable_enable_reset_unlock():
    c = h.logged_in(srv, "quantri.th001")
    h.expect_status(create(c, "TH001", "gv.vongdoi01", role="reader"), 201)
    uid = srv.account("gv.vongdoi01")["id"]
    me = srv.account("quantri.th001")["id"]

    def page(ok=None):
        return h.expect_status(c.get("/accounts/%d" % uid + ("?ok=" + ok if ok else "")), 200).json()

    h.expect_redirect(c.post("/accounts/%d/disable" % uid), "/accounts/%d?ok=disabled" % uid)
    assert srv.account("gv.vongdoi01")["disabled"] == 1
    j = page("disabled")
    assert j["account"]["disabled"] is True and j["notice"] == h.vi("ok.account.disabled"), j
    h.expect_error(h.Client(srv).request("POST", "/login", body=h.form_encode(
        {"username": "gv.vongdoi01", "password": NEW_PW})), 403, "err.login.disabled")

    h.expect_redirect(c.post("/accounts/%d/enable" % uid), "/accounts/%d?ok=enabled" % uid)
    assert srv.account("gv.vongdoi01")["disabled"] == 0
    assert page("enabled")["notice"] == h.vi("ok.account.enabled")

    # Lock it out, then unlock.
    for i in range(5):
        h.Client(srv).request("POST", "/login", body=h.form_encode({"username": "gv.vongdoi01", "password": "sai-%d" % i}))
    assert page()["account"]["locked"] is True
    h.expect_redirect(c.post("/accounts/%d/unlock" % uid), "/accounts/%d?ok=unlocked" % uid)
    assert srv.account("gv.vongdoi01")["locked_until"] == 0
    assert page("unlocked")["account"]["locked"] is False

    # Reset: a new temporary password, to be changed at the next login.
    u = h.logged_in(srv, "gv.vongdoi01", NEW_PW)
    h.expect_status(u.post("/password", {"current": NEW_PW, "password": "Mat-khau-cua-toi-2026",
                                         "confirm": "Mat-khau-cua-toi-2026"}), 200)
    assert srv.account("gv.vongdoi01")["must_change_password"] == 0
    h.expect_redirect(c.post("/accounts/%d/reset" % uid, {"password": "Mat-khau-tam-2026"}), "/accounts/%d?ok=reset" % uid)
    row = srv.account("gv.vongdoi01")
    assert row["must_change_password"] == 1 and row["failed_logins"] == 0, row
    assert page("reset")["notice"] == h.vi("ok.account.reset")
    assert h.logged_in(srv, "gv.vongdoi01", "Mat-khau-tam-2026").login_answer["must_change_password"] is True

    # Every change left its audit row, naming who did it.
    for action in ("account.disable", "account.enable", "account.unlock", "account.reset"):
        rows = audit_rows(action, uid)
        assert len(rows) == 1, "%s: %r" % (action, rows)
        assert rows[0]["username"] == "quantri.th001" and rows[0]["account_id"] == me, rows[0]
        assert rows[0]["detail"] == "gv.vongdoi01", rows[0]
    assert audit_rows("account.password", uid), "the user's own change is not audited"
    assert srv.audit("action = 'login.lockout' AND entity_id = %d" % uid)

    # Nobody disables or resets themselves, and a unit admin leaves the sysadmin alone.
    so = h.logged_in(srv, "so.admin")
    before = srv.db_snapshot()
    h.expect_error(c.post("/accounts/%d/disable" % me), 403, "err.account.self")
    h.expect_error(c.post("/accounts/%d/reset" % me, {"password": "Mat-khau-tam-2026"}), 403, "err.account.self")
    h.expect_error(so.post("/accounts/%d/disable" % srv.account("admin")["id"]), 403, "err.account.sysadmin")
    h.expect_error(so.post("/accounts/%d/reset" % srv.account("admin")["id"], {"password": "Mat-khau-tam-2026"}),
                   403, "err.account.sysadmin")
    h.expect_error(c.post("/accounts/999999/enable"), 404, "err.account.notfound")
    h.assert_unchanged(before, srv.db_snapshot(), "refused self/sysadmin changes")
    # The HTML page of an account offers the actions; one's own does not.
    b = h.Client(srv, json=False)
    b.login_form("quantri.th001")
    p = h.expect_status(b.get("/accounts/%d" % uid), 200).text
    assert 'action="/accounts/%d/disable"' % uid in p and 'action="/accounts/%d/reset"' % uid in p
    p = h.expect_status(b.get("/accounts/%d" % me), 200).text
    assert "/disable" not in p, "one's own page offers to disable oneself"


def fold(text):
    """A reference of the search folding (src/base/text.c) for Vietnamese names: marks off,
    đ to d, lower case, white space collapsed."""
    t = unicodedata.normalize("NFD", text.replace("Đ", "d").replace("đ", "d"))
    t = "".join(ch for ch in t if unicodedata.category(ch) != "Mn")
    return " ".join(t.lower().split())


def test_search_by_name_without_diacritics():
    c = h.logged_in(srv, "admin")
    everyone = srv.sql("SELECT username, full_name FROM accounts")

    def find(q, **kw):
        j = h.expect_status(c.get("/accounts", query=dict(q=q, **kw)), 200).json()
        assert j["q"] == q and j["total"] == len(j["accounts"]), j
        return sorted(a["username"] for a in j["accounts"])

    def expected(q):
        f = fold(q)
        return sorted(a["username"] for a in everyone if f in fold(a["full_name"]) or f in a["username"])

    # Marks, case and đ do not matter: "nguyen" finds every Nguyễn, "duc" every Đức.
    for q, someone in (("nguyen", "so.chuyenvien"), ("NGUYEN", "so.chuyenvien"), ("nguyen thi", "so.chuyenvien"),
                       ("Nguyễn", "so.chuyenvien"), ("thu ha", "so.chuyenvien"), ("hà", "so.chuyenvien"),
                       ("tran van duc", "phong1.chuyenvien"), ("đức", "phong1.chuyenvien"), ("DUC", "phong1.chuyenvien"),
                       ("  tran   VAN  duc ", "phong1.chuyenvien")):
        names = find(q)
        assert someone in names, "q=%r did not find %s: %r" % (q, someone, names)
        assert names == expected(q), "q=%r found %r, expected %r" % (q, names, expected(q))
    names = find("thuthu.th")
    assert "thuthu.th001" in names and "thuthu.thcs001" in names, names
    # LIKE's wildcards in the query are taken literally.
    for q in ("%", "_", "\\"):
        names = find(q)
        assert names == [], "q=%r matched %r (wildcard not escaped)" % (q, names)
    assert find("thu ha", unit=srv.unit("PGD01")["id"]) == [], "unit filter ignored"
    assert find("thu ha", unit=srv.unit("SGD")["id"]) == ["so.chuyenvien"]
    # The HTML page finds the same and keeps the query in the box.
    b = h.Client(srv, json=False)
    b.login_form("admin")
    page = h.expect_status(b.get("/accounts?q=nguyen"), 200).text
    assert 'value="nguyen"' in page
    for a in everyone:
        shown = ">%s</a>" % a["username"] in page
        assert shown == (a["username"] in expected("nguyen")), "HTML search for nguyen and %s disagree" % a["username"]


def test_audit_page_filtered_by_action_and_user():
    c = h.logged_in(srv, "quantri.th001")
    h.expect_status(create(c, "TH001", "gv.nhatky01", role="reader"), 201)
    uid = srv.account("gv.nhatky01")["id"]
    h.expect_redirect(c.post("/accounts/%d/disable" % uid))
    h.expect_redirect(c.post("/accounts/%d/enable" % uid))
    path = srv.unit("TH001")["path"]

    def audit(**q):
        return h.expect_status(c.get("/audit", query=q), 200).json()

    def in_db(where):
        return [r["id"] for r in srv.sql("SELECT id FROM audit WHERE unit_path LIKE %s AND %s ORDER BY id DESC LIMIT 50"
                                         % (h.sql_str(path + "%"), where))]

    j = audit(action="account")
    assert j["action"] == "account" and j["entries"], j
    assert all(e["action"].startswith("account.") for e in j["entries"]), [e["action"] for e in j["entries"]]
    assert [e["id"] for e in j["entries"]] == in_db("action LIKE 'account.%'")
    j = audit(action="account.disable")
    assert [e["action"] for e in j["entries"]] and set(e["action"] for e in j["entries"]) == {"account.disable"}
    assert any(e.get("detail") == "gv.nhatky01" for e in j["entries"]), j["entries"]
    j = audit(user="quantri.th001")
    assert j["entries"] and all(e["username"] == "quantri.th001" for e in j["entries"]), j["entries"]
    assert [e["id"] for e in j["entries"]] == in_db("username = 'quantri.th001'")
    j = audit(action="account.enable", user="quantri.th001")
    assert [e["id"] for e in j["entries"]] == in_db("username = 'quantri.th001' AND action = 'account.enable'")
    assert audit(action="login", user="gv.nhatky01")["entries"] == []
    assert audit(action="acc")["entries"] == [], "a prefix that is not a family matched"
    assert audit(user="khong.ai")["entries"] == []
    # Failures are flagged, the newest first.
    h.Client(srv).request("POST", "/login", body=h.form_encode({"username": "gv.nhatky01", "password": "sai"}))
    j = audit(action="login")
    assert j["entries"][0]["action"] == "login.fail" and j["entries"][0]["failure"] is True, j["entries"][0]
    ids = [e["id"] for e in audit()["entries"]]
    assert ids == sorted(ids, reverse=True), "audit not newest first"
    # HTML: the filter form keeps its values; rows show who and what.
    b = h.Client(srv, json=False)
    b.login_form("quantri.th001")
    page = h.expect_status(b.get("/audit?action=account.disable&user=quantri.th001"), 200).text
    assert 'value="account.disable"' in page and 'value="quantri.th001"' in page
    assert "<code>account.disable</code>" in page and "gv.nhatky01" in page
    assert "<code>account.enable</code>" not in page


def test_audit_action_filter_is_a_name_not_a_pattern():
    """action= is "an action or its family" (pages_units.c): LIKE's wildcards typed in it must
    match literally, as they do in the account search."""
    c = h.logged_in(srv, "quantri.th001")
    assert h.expect_status(c.get("/audit", query={"action": "login"}), 200).json()["entries"], "no login rows"
    for pattern in ("%", "_ogin", "login%", "%.%", "logi_"):
        got = [e["action"] for e in h.expect_status(c.get("/audit", query={"action": pattern}), 200).json()["entries"]]
        assert got == [], "BUG: GET /audit?action=%s is taken as a LIKE pattern: it matched %r" % (pattern, got[:4])


def test_audit_paging():
    admin = h.logged_in(srv, "admin")
    total = srv.sql_value("SELECT COUNT(*) FROM audit")
    assert total > 50, "need more than a page of audit rows (have %d)" % total
    first = h.expect_status(admin.get("/audit"), 200).json()
    assert len(first["entries"]) == 50 and first.get("before") == first["entries"][-1]["id"], \
        "a full page should offer the next: %r" % first.get("before")
    second = h.expect_status(admin.get("/audit?before=%d" % first["before"]), 200).json()
    assert second["entries"] and second["entries"][0]["id"] < first["before"]
    assert not set(e["id"] for e in first["entries"]) & set(e["id"] for e in second["entries"])
