"""test_policy.py: the loan policy's administration: the rules matrix (GET/POST /circ/rules,
POST /circ/rules/reset) and the school's calendar and settings (GET /circ/calendar, POST
/circ/calendar/settings, POST /circ/calendar/closed, POST /circ/calendar/closed/:id/delete).

Each change is checked in the database and its audit row; each refusal (numbers out of range,
bad dates, unknown kinds and types, no CSRF token, another school, a role that only reads) is a
clear message that changes nothing. The due-date example on the calendar page follows the
school's breaks. Fines appear only on a server started with fines_enabled = 1.

Acting: thuthu.th001 (TH001's librarian), bgh.th001 (its leader), bandoc.th001 (a reader),
thuthu.thcs001 (THCS001's librarian), admin (the sysadmin: the defaults and national holidays).
"""
import datetime
import re

import harness as h

srv = None
_clients = {}

TABLES = ("loan_rules", "circ_settings", "closed_days", "audit")


def setup_module():
    global srv
    srv = h.Server().start()


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


def unit_id(code):
    return srv.unit(code)["id"]


def rows(table, where="1=1"):
    return srv.sql("SELECT * FROM %s WHERE %s" % (table, where))


def snap():
    out = {}
    for t in TABLES:
        r = rows(t)
        if t == "audit":
            r = [x for x in r if not x["action"].startswith(("login.", "logout"))]
        out[t] = sorted((tuple(sorted(x.items())) for x in r), key=repr)
    return out


def cell(j, kind, doc_type):
    k = h.json_find(j["kinds"], kind=kind)
    return h.json_find(k["cells"], doc_type=doc_type)


def rule(**kv):
    f = {"kind": "student", "doc_type": "STK", "max_items": "4", "loan_days": "21", "renewals": "2",
         "holds_allowed": "1"}
    f.update({k: str(v) for k, v in kv.items()})
    return f


def vn_today():
    return (datetime.datetime.utcnow() + datetime.timedelta(hours=7)).date()


# --- the rules matrix -------------------------------------------------------------------------------

def test_matrix_shows_defaults_for_every_kind_and_type():
    j = h.expect_status(client("thuthu.th001").get("/circ/rules"), 200).json()
    assert j["unit"] == unit_id("TH001") and j["can_write"] is True and j["defaults"] is False
    assert [k["kind"] for k in j["kinds"]] == ["student", "teacher", "staff"]
    types = [t["code"] for t in j["types"]]
    assert types[-1] == "*" and "SGK" in types and "BAO" in types, types
    for k in j["kinds"]:
        assert [c["doc_type"] for c in k["cells"]] == types
    c = cell(j, "student", "SGK")
    assert (c["max_items"], c["loan_days"], c["holds_allowed"], c["source"]) == (20, 14, False, "default"), c
    c = cell(j, "student", "STK")
    assert (c["max_items"], c["loan_days"], c["renewals"], c["source"]) == (3, 14, 1, "default_any"), c
    assert cell(j, "student", "SNV")["lent"] is False
    assert cell(j, "staff", "*")["max_items"] == 5
    # The page: Vietnamese words, every kind and the "other types" column.
    r = h.expect_status(browser("thuthu.th001").get("/circ/rules"), 200)
    for key in ("circ.rules.title", "circ.kind.student", "circ.kind.teacher", "circ.kind.staff", "circ.rules.any",
                "circ.rules.not_lent"):
        assert h.in_html(h.vi(key), r.text), key
    assert "Sách giáo khoa" in r.text and not h.untranslated(r.text)
    # The leader reads it without the edit links; a reader may not.
    j = h.expect_status(client("bgh.th001").get("/circ/rules"), 200).json()
    assert j["can_write"] is False
    r = h.expect_status(browser("bgh.th001").get("/circ/rules"), 200)
    assert "kind=student&amp;type=" not in r.text
    h.expect_error(client("bandoc.th001").get("/circ/rules"), 403)


def test_librarian_sets_and_resets_a_cell():
    c = client("thuthu.th001")
    th1 = unit_id("TH001")
    h.expect_redirect(c.post("/circ/rules", rule()), "/circ/rules")
    got = rows("loan_rules", "unit_id = %d" % th1)
    assert [(x["patron_kind"], x["doc_type"], x["max_items"], x["loan_days"], x["renewals"], x["holds_allowed"])
            for x in got] == [("student", "STK", 4, 21, 2, 1)], got
    # Saving again changes the row, never adds one; an unchecked box means no holds.
    f = rule(max_items=6)
    del f["holds_allowed"]
    h.expect_redirect(c.post("/circ/rules", f))
    got = rows("loan_rules", "unit_id = %d" % th1)
    assert len(got) == 1 and got[0]["max_items"] == 6 and got[0]["holds_allowed"] == 0, got
    j = h.expect_status(c.get("/circ/rules"), 200).json()
    x = cell(j, "student", "STK")
    assert (x["max_items"], x["source"], x["own"], x["resettable"]) == (6, "own", True, True), x
    audit = srv.audit("action = 'circ.rule.set'")
    assert len(audit) == 2 and audit[0]["unit_id"] == th1 and "student STK" in audit[0]["detail"], audit
    # THCS001 still has the default.
    j = h.expect_status(client("thuthu.thcs001").get("/circ/rules"), 200).json()
    assert cell(j, "student", "STK")["max_items"] == 3
    # The edit form of a cell, in the page.
    r = h.expect_status(browser("thuthu.th001").get("/circ/rules", query={"kind": "student", "type": "STK"}), 200)
    assert 'name="max_items" value="6"' in r.text and 'action="/circ/rules/reset"' in r.text, r.text
    # Reset: back to the default, one audit row; resetting again changes nothing.
    h.expect_redirect(c.post("/circ/rules/reset", {"kind": "student", "doc_type": "STK"}), "/circ/rules")
    assert rows("loan_rules", "unit_id = %d" % th1) == []
    before = snap()
    h.expect_redirect(c.post("/circ/rules/reset", {"kind": "student", "doc_type": "STK"}))
    h.assert_unchanged(before, snap())
    assert len(srv.audit("action = 'circ.rule.reset'")) == 1


def test_bad_rules_are_refused_and_change_nothing():
    c = client("thuthu.th001")
    h.expect_redirect(c.post("/circ/rules", rule(doc_type="TN", max_items=2)))
    before = snap()
    cases = [(rule(max_items=101), 400, "err.circ.max_items"), (rule(max_items=-1), 400, "err.circ.max_items"),
             (rule(loan_days=0), 400, "err.circ.loan_days"), (rule(loan_days=366), 400, "err.circ.loan_days"),
             (rule(renewals=11), 400, "err.circ.renewals"), (rule(max_items="ba"), 400, "err.number"),
             (rule(loan_days="1.5"), 400, "err.number"), (rule(renewals="99999999999999999999"), 400, "err.number"),
             (rule(kind="alien"), 400, "err.circ.kind"), (rule(doc_type="XYZ"), 400, "err.circ.doc_type"),
             (rule(doc_type=""), 400, "err.circ.doc_type"), (rule(unit="abc"), 400, "err.number"),
             (rule(holds_allowed="yes"), 400, "err.number")]
    for fields, status, key in cases:
        e = h.expect_error(c.post("/circ/rules", fields), status)
        assert e["message"] == h.vi(key), (fields, e)
    # The browser gets the cell's form again, as typed, with the message.
    r = browser("thuthu.th001").post("/circ/rules", rule(loan_days=400, max_items=" 7x"))
    h.expect_status(r, 400)
    assert h.in_html(h.vi("err.number"), r.text) and 'role="alert"' in r.text, r.text
    r = browser("thuthu.th001").post("/circ/rules", rule(loan_days=400))
    h.expect_status(r, 400)
    assert h.in_html(h.vi("err.circ.loan_days"), r.text)
    assert 'name="loan_days" value="400"' in r.text and 'name="max_items" value="4"' in r.text, r.text
    assert 'name="holds_allowed" value="1" checked' in r.text
    # No CSRF token, or another's: 403.
    h.expect_status(c.post("/circ/rules", rule(max_items=9), csrf=False), 403)
    h.expect_status(c.post("/circ/rules", rule(max_items=9), csrf="x" * 43), 403)
    h.expect_status(c.post("/circ/rules/reset", {"kind": "student", "doc_type": "TN"}, csrf=False), 403)
    h.assert_unchanged(before, snap())


def test_other_schools_and_other_roles_cannot_change_the_rules():
    th1 = unit_id("TH001")
    before = snap()
    other = client("thuthu.thcs001")
    e = h.expect_error(other.post("/circ/rules", rule(unit=th1, max_items=50)), 404)
    assert "Lê Ngọc Hân" not in str(e)
    h.expect_error(other.post("/circ/rules/reset", {"unit": th1, "kind": "student", "doc_type": "TN"}), 404)
    h.expect_error(other.get("/circ/rules", query={"unit": th1}), 404)
    h.expect_error(other.get("/circ/calendar", query={"unit": th1}), 404)
    h.expect_error(client("bgh.th001").post("/circ/rules", rule(max_items=50)), 403)
    h.expect_error(client("bandoc.th001").post("/circ/rules", rule(max_items=50)), 403)
    # A school's librarian does not touch the defaults; the sysadmin does not edit a school's cells.
    h.expect_error(client("thuthu.th001").post("/circ/rules", rule(unit=0, max_items=50)), 403)
    h.expect_error(client("admin").post("/circ/rules", rule(unit=th1, max_items=50)), 403)
    h.assert_unchanged(before, snap())
    # The office above TH001 reads its matrix.
    j = h.expect_status(client("phong1.chuyenvien").get("/circ/rules", query={"unit": th1}), 200).json()
    assert j["can_write"] is False and cell(j, "student", "TN")["max_items"] == 2


def test_sysadmin_edits_the_defaults():
    admin = client("admin")
    j = h.expect_status(admin.get("/circ/rules"), 200).json()
    assert j["unit"] == 0 and j["defaults"] is True and j["can_write"] is True
    assert cell(j, "teacher", "*")["resettable"] is False
    h.expect_redirect(admin.post("/circ/rules", rule(unit=0, kind="teacher", doc_type="TN", max_items=7,
                                                     loan_days=10, renewals=0)), "/circ/rules")
    j = h.expect_status(client("thuthu.thcs001").get("/circ/rules"), 200).json()
    c = cell(j, "teacher", "TN")
    assert (c["max_items"], c["loan_days"], c["source"]) == (7, 10, "default"), c
    e = h.expect_error(admin.post("/circ/rules/reset", {"unit": 0, "kind": "teacher", "doc_type": "*"}), 400)
    assert e["message"] == h.vi("err.circ.reset_any")
    h.expect_redirect(admin.post("/circ/rules/reset", {"unit": 0, "kind": "teacher", "doc_type": "TN"}))
    j = h.expect_status(client("thuthu.thcs001").get("/circ/rules"), 200).json()
    assert cell(j, "teacher", "TN")["max_items"] == 10
    assert [a["action"] for a in srv.audit("action LIKE 'circ.rule.%' AND unit_id = 0")] == \
        ["circ.rule.set", "circ.rule.reset"]


# --- the calendar -----------------------------------------------------------------------------------

def test_calendar_shows_settings_national_holidays_and_the_due_date():
    j = h.expect_status(client("thuthu.th001").get("/circ/calendar", query={"year": "2026"}), 200).json()
    s = j["settings"]
    assert [d["n"] for d in s["weekdays"] if d["closed"]] == [0], s
    assert (s["year_end"], s["hold_days"], s["hold_expiry_days"], s["block_overdue"]) == ("31/05", 7, 60, True), s
    assert j["year_label"] == "2026-2027" and j["fines_enabled"] is False
    tet = h.json_find(j["closed_days"], name="Tết Nguyên đán")
    assert (tet["first"], tet["last"], tet["national"], tet["removable"]) == ("05/02/2027", "09/02/2027", True, False)
    assert not any(d["first"].endswith("2025") for d in j["closed_days"]), j["closed_days"]
    # The example: a day dd/mm/yyyy at least 14 days away, not a Sunday.
    due = datetime.datetime.strptime(j["due_14"], "%d/%m/%Y").date()
    assert due >= vn_today() + datetime.timedelta(days=14) and due.weekday() != 6, j["due_14"]
    r = h.expect_status(browser("thuthu.th001").get("/circ/calendar"), 200)
    for key in ("circ.calendar.title", "circ.settings.closed_weekdays", "circ.wday.0", "circ.calendar.due_example"):
        assert h.in_html(h.vi(key), r.text), key
    assert 'name="fine_per_day"' not in r.text, "no fine field while fines are off"
    assert not h.untranslated(r.text)
    # The leader reads, without forms.
    r = h.expect_status(browser("bgh.th001").get("/circ/calendar"), 200)
    assert 'action="/circ/calendar/closed"' not in r.text and "disabled" in r.text


def test_settings_are_saved_and_checked():
    c = client("thuthu.th001")
    th1 = unit_id("TH001")
    f = {"closed_0": "1", "closed_6": "1", "year_end": "15/06", "hold_days": "5", "hold_expiry_days": "30"}
    h.expect_redirect(c.post("/circ/calendar/settings", f), "/circ/calendar")
    s = rows("circ_settings", "unit_id = %d" % th1)
    assert [(x["closed_weekdays"], x["year_end"], x["hold_days"], x["hold_expiry_days"], x["block_overdue"],
             x["fine_per_day"]) for x in s] == [("06", "06-15", 5, 30, 0, 0)], s
    assert len(srv.audit("action = 'circ.settings' AND unit_id = %d" % th1)) == 1
    j = h.expect_status(c.get("/circ/calendar"), 200).json()
    assert [d["n"] for d in j["settings"]["weekdays"] if d["closed"]] == [6, 0]
    assert j["settings"]["year_end"] == "15/06"
    before = snap()
    bad = [({"year_end": "31/02"}, "err.circ.year_end"), ({"year_end": "15-06"}, "err.circ.year_end"),
           ({"year_end": "1/13"}, "err.circ.year_end"), ({"hold_days": "0"}, "err.circ.hold_days"),
           ({"hold_days": "61"}, "err.circ.hold_days"), ({"hold_expiry_days": "366"}, "err.circ.hold_expiry"),
           ({"hold_days": "năm"}, "err.number"), ({"fine_per_day": "1000"}, "err.circ.fines_off"),
           ({"closed_3": "2"}, "err.number"),
           (dict(("closed_%d" % i, "1") for i in range(7)), "err.circ.closed_all")]
    for extra, key in bad:
        g = dict(f)
        g.update(extra)
        e = h.expect_error(c.post("/circ/calendar/settings", g), 400)
        assert e["message"] == h.vi(key), (extra, e)
    # A browser gets the form again as typed.
    r = browser("thuthu.th001").post("/circ/calendar/settings", dict(f, year_end="31/02", closed_3="1"))
    h.expect_status(r, 400)
    assert h.in_html(h.vi("err.circ.year_end"), r.text) and 'value="31/02"' in r.text, r.text
    assert re.search(r'name="closed_3" value="1" checked', r.text) and \
        not re.search(r'name="closed_1" value="1" checked', r.text)
    h.expect_status(c.post("/circ/calendar/settings", f, csrf=False), 403)
    h.expect_error(client("bgh.th001").post("/circ/calendar/settings", f), 403)
    h.expect_error(client("thuthu.thcs001").post("/circ/calendar/settings", dict(f, unit=th1)), 404)
    h.expect_error(client("admin").post("/circ/calendar/settings", dict(f, unit=0)), 400)
    h.assert_unchanged(before, snap())


def test_closed_days_move_the_due_date_and_are_removed():
    c = client("thuthu.thcs001")
    thcs = unit_id("THCS001")
    today = vn_today()
    first, last = today + datetime.timedelta(days=10), today + datetime.timedelta(days=20)
    before = h.expect_status(c.get("/circ/calendar"), 200).json()["due_14"]
    h.expect_redirect(c.post("/circ/calendar/closed", {"first": first.strftime("%d/%m/%Y"),
                                                       "last": last.strftime("%d/%m/%Y"), "name": " Nghỉ giữa kỳ "}),
                      re.compile(r"^/circ/calendar\?year=\d{4}$"))
    row = rows("closed_days", "unit_id = %d" % thcs)
    assert [(x["first_day"], x["last_day"], x["name"]) for x in row] == \
        [(first.isoformat(), last.isoformat(), "Nghỉ giữa kỳ")], row
    year = first.year if first.month >= 8 else first.year - 1
    j = h.expect_status(c.get("/circ/calendar", query={"year": year}), 200).json()
    mine = h.json_find(j["closed_days"], name="Nghỉ giữa kỳ")
    assert mine["national"] is False and mine["removable"] is True
    due = datetime.datetime.strptime(j["due_14"], "%d/%m/%Y").date()
    assert due > last, (j["due_14"], before)
    # TH001 does not see it, and cannot remove it.
    j = h.expect_status(client("thuthu.th001").get("/circ/calendar", query={"year": year}), 200).json()
    assert not [d for d in j["closed_days"] if d["name"] == "Nghỉ giữa kỳ"]
    snap0 = snap()
    e = h.expect_error(client("thuthu.th001").post("/circ/calendar/closed/%d/delete" % mine["id"], {}), 404)
    assert e["message"] == h.vi("err.circ.closed_notfound")
    h.expect_error(client("bgh.thcs001").post("/circ/calendar/closed/%d/delete" % mine["id"], {}), 403)
    h.expect_status(c.post("/circ/calendar/closed/%d/delete" % mine["id"], {}, csrf=False), 403)
    # A national holiday is the sysadmin's.
    tet = srv.sql_value("SELECT id FROM closed_days WHERE unit_id = 0 AND first_day = '2027-02-05'")
    h.expect_error(c.post("/circ/calendar/closed/%d/delete" % tet, {}), 403)
    h.expect_status(c.post("/circ/calendar/closed/999999/delete", {}), 404)
    h.assert_unchanged(snap0, snap())
    # Removed by its owner: the due date is back.
    h.expect_redirect(c.post("/circ/calendar/closed/%d/delete" % mine["id"], {}), "/circ/calendar")
    assert rows("closed_days", "unit_id = %d" % thcs) == []
    assert h.expect_status(c.get("/circ/calendar"), 200).json()["due_14"] == before
    assert [a["action"] for a in srv.audit("action LIKE 'circ.closed.%%' AND unit_id = %d" % thcs)] == \
        ["circ.closed.add", "circ.closed.remove"]


def test_bad_closed_days_are_refused():
    c = client("thuthu.th001")
    before = snap()
    for f, key in (({"first": "31/02/2026", "name": "x"}, "err.circ.day"),
                   ({"first": "2026-13-01", "name": "x"}, "err.circ.day"),
                   ({"first": "hôm nay", "name": "x"}, "err.circ.day"),
                   ({"first": "", "name": "x"}, "err.circ.day"),
                   ({"first": "10/10/2026", "last": "32/10/2026", "name": "x"}, "err.circ.day"),
                   ({"first": "10/10/2026", "last": "09/10/2026", "name": "x"}, "err.circ.range"),
                   ({"first": "01/01/2026", "last": "01/06/2027", "name": "x"}, "err.circ.range"),
                   ({"first": "10/10/2026", "name": "   "}, "err.circ.closed_name"),
                   ({"first": "10/10/2026", "name": "x" * 201}, "err.circ.closed_name"),
                   ({"first": "10/10/2026", "name": "x", "unit": "-1"}, "err.number")):
        e = h.expect_error(c.post("/circ/calendar/closed", f), 400)
        assert e["message"] == h.vi(key), (f, e)
    r = browser("thuthu.th001").post("/circ/calendar/closed", {"first": "30/02/2027", "last": "05/03/2027",
                                                               "name": "Nghỉ <giữa> kỳ"})
    h.expect_status(r, 400)
    assert h.in_html(h.vi("err.circ.day"), r.text) and "(30/02/2027)" in r.text, r.text
    assert 'value="30/02/2027"' in r.text and 'value="Nghỉ &lt;giữa&gt; kỳ"' in r.text, r.text
    h.expect_error(c.post("/circ/calendar/closed", {"first": "10/10/2026", "name": "Lễ", "unit": "0"}), 403)
    h.expect_error(client("thuthu.thcs001").post("/circ/calendar/closed", {"first": "10/10/2026", "name": "x",
                                                                          "unit": unit_id("TH001")}), 404)
    h.expect_error(client("bandoc.th001").post("/circ/calendar/closed", {"first": "10/10/2026", "name": "x"}), 403)
    h.expect_status(c.post("/circ/calendar/closed", {"first": "10/10/2026", "name": "x"}, csrf=False), 403)
    h.assert_unchanged(before, snap())


def test_sysadmin_manages_national_holidays():
    admin = client("admin")
    j = h.expect_status(admin.get("/circ/calendar", query={"year": "2026"}), 200).json()
    assert j["unit"] == 0 and j["can_write"] and "settings" not in j
    assert h.json_find(j["closed_days"], name="Quốc khánh")["removable"] is True
    h.expect_redirect(admin.post("/circ/calendar/closed", {"unit": "0", "first": "2026-11-20",
                                                           "name": "Ngày Nhà giáo Việt Nam"}))
    j = h.expect_status(client("thuthu.th001").get("/circ/calendar", query={"year": "2026"}), 200).json()
    d = h.json_find(j["closed_days"], name="Ngày Nhà giáo Việt Nam")
    assert (d["first"], d["last"], d["national"], d["removable"]) == ("20/11/2026", "20/11/2026", True, False)
    r = h.expect_status(browser("thuthu.th001").get("/circ/calendar", query={"year": "2026"}), 200)
    assert "/circ/calendar/closed/%d/delete" % d["id"] not in r.text
    h.expect_redirect(admin.post("/circ/calendar/closed/%d/delete" % d["id"], {}), "/circ/calendar")
    assert srv.sql("SELECT * FROM closed_days WHERE id = %d" % d["id"]) == []


def test_fines_only_when_the_deployment_has_them():
    with h.Server(env=dict(h.FAST_HASH, THUVIEN_FINES_ENABLED="1")) as s:
        c = h.logged_in(s, "thuthu.th001")
        j = h.expect_status(c.get("/circ/calendar"), 200).json()
        assert j["fines_enabled"] is True and j["settings"]["fine_per_day"] == 0
        b = h.Client(s, json=False)
        b.login_form("thuthu.th001")
        assert 'name="fine_per_day"' in h.expect_status(b.get("/circ/calendar"), 200).text
        f = {"closed_0": "1", "year_end": "31/05", "hold_days": "7", "hold_expiry_days": "60", "fine_per_day": "2000"}
        h.expect_redirect(c.post("/circ/calendar/settings", f))
        assert h.expect_status(c.get("/circ/calendar"), 200).json()["settings"]["fine_per_day"] == 2000
        e = h.expect_error(c.post("/circ/calendar/settings", dict(f, fine_per_day="1000001")), 400)
        assert e["message"] == h.vi("err.circ.fine")
    h.assert_healthy(srv)


def test_registers_reconcile():
    """Last: what the registers rest on still holds after these scenarios (thuvien check)."""
    srv.check()
