"""test_auth.py: logging in and out, lockout, the forced password change, CSRF, session expiry.

One server for the module; the expiry tests start their own with short session lifetimes. Tests
use different demo accounts so that their order does not matter:
    thuthu.th001      login, logout, CSRF target       bandoc.thcs001   lockout
    bgh.thcs001       unlock from the shell            thuthu.thcs001   unlock over HTTP
    bandoc.th001      admin reset                      bgh.th001        disabled account
    quantri.th001 / quantri.thcs001: the admins acting.
"""
import re
import time

import harness as h

srv = None


def setup_module():
    global srv
    srv = h.Server().start()


def teardown_module():
    srv.stop()


def alert(body):
    """The text of the page's role="alert" notice (the login error)."""
    m = re.search(r'role="alert">(.*?)</p>', body, re.S)
    assert m, "no role=\"alert\" notice in the page: %s" % body[:600]
    return m.group(1)


def fail_login(c, username, password, status=401):
    r = c.request("POST", "/login", body=h.form_encode({"username": username, "password": password}))
    h.expect_status(r, status)
    return r


def lock_out(username):
    """Fail lockout_attempts (5) logins in a row; the last one answers 429."""
    c = h.Client(srv)
    for i in range(4):
        h.expect_error(fail_login(c, username, "sai-mat-khau-%d" % i), 401, "err.login.bad")
    h.expect_error(fail_login(c, username, "sai-mat-khau-4", 429), 429, "err.login.locked")
    assert srv.account(username)["locked_until"] > time.time(), "%s not locked in the database" % username


# --- logging in ------------------------------------------------------------------------------

def test_login_html_sets_session_cookie_and_redirects():
    c = h.Client(srv, json=False)
    r = h.expect_status(c.get("/login"), 200)
    assert 'action="/login"' in r.text and 'name="password"' in r.text, "no login form: " + r.text[:300]
    r = c.post("/login", {"username": "thuthu.th001", "password": h.PASSWORD})
    h.expect_status(r, 303)
    assert r.header("Location") == "/", "Location %r" % r.header("Location")
    cookies = [h.parse_set_cookie(v) for v in r.header_all("Set-Cookie")]
    sess = [c3 for c3 in cookies if c3[0] == "tv_session"]
    assert sess, "no tv_session cookie in %r" % r.header_all("Set-Cookie")
    name, value, attrs = sess[0]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", value), "token %r is not 256 bits of base64url" % value
    assert attrs.get("httponly") is True, "cookie not HttpOnly: %r" % attrs
    assert str(attrs.get("samesite", "")).lower() == "lax", "cookie not SameSite=Lax: %r" % attrs
    assert attrs.get("path") == "/", "cookie path %r" % attrs.get("path")
    # The database keeps only a hash of the token.
    assert not srv.sql("SELECT id FROM sessions WHERE token_hash = %s" % h.sql_str(value)), \
        "the session token is stored in clear"
    r = h.expect_status(c.get("/"), 200)
    name = srv.account("thuthu.th001")["full_name"]
    assert h.in_html(name, r.text), "home page does not show the user's name %r" % name
    # next= takes the user back where they were, but only to a path of this site.
    for nxt, where in (("/units", "/units"), ("//evil.example/x", "/"), ("https://evil.example/", "/"),
                       ("/\\evil.example", "/")):
        c2 = h.Client(srv, json=False)
        r = c2.post("/login", {"username": "thuthu.th001", "password": h.PASSWORD, "next": nxt})
        h.expect_status(r, 303)
        assert r.header("Location") == where, "next=%r led to %r, expected %r" % (nxt, r.header("Location"), where)


def test_login_json_shape():
    c = h.Client(srv)
    r = c.request("POST", "/login", body=h.form_encode({"username": "THUTHU.TH001", "password": h.PASSWORD}))
    h.expect_status(r, 200)
    j = r.json()
    assert j.get("ok") is True, j
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", j.get("csrf", "")), "csrf %r" % j.get("csrf")
    assert j.get("must_change_password") is False, j
    assert j.get("username") == "thuthu.th001", "user name not folded to lower case: %r" % j
    assert j.get("role") == "librarian", j
    acc = srv.account("thuthu.th001")
    rows = srv.sql("SELECT csrf FROM sessions WHERE account_id = %d" % acc["id"])
    assert j["csrf"] in [x["csrf"] for x in rows], "the session's CSRF token is not the one answered"
    assert srv.audit("action = 'login.ok' AND account_id = %d" % acc["id"]), "no login.ok audit row"


def test_wrong_password_401_with_vietnamese_message():
    msg = h.vi("err.login.bad")
    c = h.Client(srv, json=False)
    r = fail_login(c, "thuthu.th001", "khong-dung-mat-khau")
    assert "tv_session" not in c.cookies, "a failed login set a session cookie"
    assert r.header("Content-Type", "").startswith("text/html"), r.header("Content-Type")
    assert h.in_html(msg, alert(r.text)), "the page does not say %r: %s" % (msg, alert(r.text))
    assert 'value="thuthu.th001"' in r.text, "the user name is not kept in the form"
    h.expect_error(fail_login(h.Client(srv), "thuthu.th001", "khong-dung-mat-khau"), 401, "err.login.bad")
    # An empty password is the same failure, not a crash or a 400.
    h.expect_error(fail_login(h.Client(srv), "thuthu.th001", ""), 401, "err.login.bad")


def test_unknown_user_gets_same_message_as_wrong_password():
    c = h.Client(srv, json=False)
    wrong = fail_login(c, "thuthu.th001", "khong-dung-mat-khau")
    unknown = fail_login(c, "khong.ton.tai", "khong-dung-mat-khau")
    assert alert(wrong.text) == alert(unknown.text), "messages differ: %r vs %r" % (alert(wrong.text),
                                                                                    alert(unknown.text))
    cj = h.Client(srv)
    e1 = h.expect_error(fail_login(cj, "thuthu.th001", "khong-dung-mat-khau"), 401)
    e2 = h.expect_error(fail_login(cj, "khong.ton.tai", "khong-dung-mat-khau"), 401)
    assert e1 == e2, "JSON errors differ: %r vs %r" % (e1, e2)
    assert srv.audit("action = 'login.fail' AND username = 'khong.ton.tai'"), "unknown-user failure not audited"


def test_logout_ends_the_session():
    c = h.logged_in(srv, "thuthu.th001")
    old = dict(c.cookies)
    sid = srv.sql("SELECT id FROM sessions WHERE csrf = %s" % h.sql_str(c.csrf))[0]["id"]
    h.expect_status(c.get("/"), 200)
    # Logging out is a POST like any other: without the token it is refused.
    h.expect_error(c.post("/logout", csrf=False), 403, "err.csrf")
    h.expect_status(c.get("/"), 200)
    r = c.post("/logout")
    h.expect_redirect(r, "/login")
    cleared = [h.parse_set_cookie(v) for v in r.header_all("Set-Cookie")]
    assert any(n == "tv_session" and (a.get("max-age") == "0" or v == "") for n, v, a in cleared), \
        "logout did not clear the cookie: %r" % r.header_all("Set-Cookie")
    assert not srv.sql("SELECT id FROM sessions WHERE id = %d" % sid), "session row still there after logout"
    # The old cookie, replayed, no longer works.
    replay = h.Client(srv)
    replay.cookies = old
    h.expect_error(replay.get("/"), 401, "err.login.required")
    browser = h.Client(srv, json=False)
    browser.cookies = dict(old)
    r = browser.get("/accounts/1")
    h.expect_status(r, 303)
    assert r.header("Location", "").startswith("/login"), r.header("Location")
    assert srv.audit("action = 'logout' AND username = 'thuthu.th001'"), "no logout audit row"


# --- lockout ---------------------------------------------------------------------------------

def test_lockout_after_five_failures():
    user = "bandoc.thcs001"
    acc = srv.account(user)
    lock_out(user)
    # Now even the right password is refused, with 429 and the lockout message.
    r = fail_login(h.Client(srv), user, h.PASSWORD, 429)
    e = h.expect_error(r, 429, "err.login.locked")
    assert r.header("Retry-After"), "429 without Retry-After"
    assert e.get("detail") in ("14", "15"), "detail should give the minutes left: %r" % e
    rb = fail_login(h.Client(srv, json=False), user, h.PASSWORD, 429)
    assert h.in_html(h.vi("err.login.locked"), alert(rb.text)), "lockout page lacks the message: " + alert(rb.text)
    rows = srv.audit("account_id = %d OR username = %s" % (acc["id"], h.sql_str(user)))
    actions = [x["action"] for x in rows]
    assert actions.count("login.fail") == 4, "expected 4 login.fail rows, got %r" % actions
    assert actions.count("login.lockout") == 1, "expected 1 login.lockout row, got %r" % actions
    assert actions.count("login.locked") >= 2, "expected login.locked rows for the refused logins: %r" % actions
    assert "login.ok" not in actions, "a login succeeded while locked: %r" % actions


def test_unlock_from_the_shell():
    user = "bgh.thcs001"
    lock_out(user)
    fail_login(h.Client(srv), user, h.PASSWORD, 429)
    p = srv.cli("user", "unlock", user)
    assert "unlock" in p.stdout, p.stdout
    assert srv.account(user)["locked_until"] == 0
    h.logged_in(srv, user)


def test_unlock_over_http_by_the_school_admin():
    user = "thuthu.thcs001"
    lock_out(user)
    target = srv.account(user)["id"]
    admin = h.logged_in(srv, "quantri.thcs001")
    acc = h.expect_status(admin.get("/accounts/%d" % target), 200).json()["account"]
    assert acc["locked"] is True and acc["locked_until"], "account page does not show the lock: %r" % acc
    h.expect_redirect(admin.post("/accounts/%d/unlock" % target), "/accounts/%d?ok=unlocked" % target)
    assert srv.account(user)["locked_until"] == 0, "still locked after POST unlock"
    assert srv.audit("action = 'account.unlock' AND entity_id = %d" % target), "no account.unlock audit row"
    h.logged_in(srv, user)


# --- the forced password change ---------------------------------------------------------------

def test_new_account_must_change_password():
    admin = h.logged_in(srv, "quantri.th001")
    unit = srv.unit("TH001")["id"]
    user, first = "giaovien.moi01", "Tam-thoi-2026-abc"
    r = admin.post("/accounts", {"unit_id": unit, "username": user, "full_name": "Giáo viên Mới",
                                 "role": "reader", "password": first})
    h.expect_status(r, 201)
    uid = r.json()["account"]["id"]
    assert srv.account(user)["must_change_password"] == 1

    # JSON: login says so; every page but the password form answers 403.
    c = h.Client(srv)
    c.login(user, first)
    assert c.login_answer["must_change_password"] is True, c.login_answer
    for path in ("/", "/units", "/accounts/%d" % uid, "/audit"):
        h.expect_error(c.get(path), 403, "err.password.must_change")
    form = h.expect_status(c.get("/password"), 200).json()
    assert form.get("forced") is True and form.get("min_length") == 10, form
    # A browser is sent to /password from everywhere.
    b = h.Client(srv, json=False)
    loc = b.login_form(user, first)
    assert loc == "/password", "login led to %r" % loc
    assert b.csrf, "the password page carries no CSRF token"
    for path in ("/", "/units", "/accounts/%d" % uid):
        r = b.get(path)
        h.expect_status(r, 303)
        assert r.header("Location") == "/password", "%s led to %r" % (path, r.header("Location"))
    page = h.expect_status(b.get("/password"), 200).text
    assert h.in_html(h.vi("password.forced"), page), "the forced-change notice is missing"

    # Policy refusals, each with its own message; the flag stays.
    bad = [
        ({"current": first, "password": "Ngan-1", "confirm": "Ngan-1"}, "err.password.short"),
        ({"current": first, "password": "GIAOVIEN.MOI01", "confirm": "GIAOVIEN.MOI01"}, "err.password.username"),
        ({"current": first, "password": "1234567890", "confirm": "1234567890"}, "err.password.common"),
        ({"current": first, "password": "PassWord123", "confirm": "PassWord123"}, "err.password.common"),
        ({"current": first, "password": "Mat-khau-rieng-2026", "confirm": "Mat-khau-khac-2026"}, "err.password.confirm"),
        ({"current": "khong-phai-mat-khau", "password": "Mat-khau-rieng-2026", "confirm": "Mat-khau-rieng-2026"},
         "err.password.current"),
        ({"current": first, "password": first, "confirm": first}, "err.password.same"),
    ]
    for fields, code in bad:
        h.expect_error(c.post("/password", fields), 400, code)
        assert srv.account(user)["must_change_password"] == 1, "%s cleared the flag" % code
    r = b.post("/password", bad[0][0])
    h.expect_status(r, 400)
    assert h.in_html(h.vi("err.password.short"), r.text), "the HTML refusal does not explain itself"
    h.expect_error(c.get("/"), 403, "err.password.must_change")

    # Success clears the flag and opens the site.
    new = "Mat-khau-rieng-2026"
    h.expect_redirect(c.post("/password", {"current": first, "password": new, "confirm": new}), "/?ok=password")
    assert srv.account(user)["must_change_password"] == 0
    home = h.expect_status(c.get("/"), 200).json()
    assert home.get("notice") is None or isinstance(home.get("notice"), str)
    h.expect_status(c.get("/?ok=password"), 200)
    # The browser's other session ended with the change (only the changing session is kept).
    r = b.get("/")
    h.expect_status(r, 303)
    assert r.header("Location", "").startswith("/login"), "other session survived the change: %r" % r.header("Location")
    fail_login(h.Client(srv), user, first)
    assert h.logged_in(srv, user, new).login_answer["must_change_password"] is False
    assert srv.audit("action = 'account.password' AND entity_id = %d" % uid), "no account.password audit row"


def test_admin_reset_forces_change_and_ends_sessions():
    user = "bandoc.th001"
    target = srv.account(user)["id"]
    victim = h.logged_in(srv, user)
    h.expect_status(victim.get("/"), 200)
    admin = h.logged_in(srv, "quantri.th001")
    before = srv.db_snapshot(sessions=True)
    h.expect_error(admin.post("/accounts/%d/reset" % target, {"password": "1234567890"}), 400, "err.password.common")
    h.expect_error(admin.post("/accounts/%d/reset" % target, {}), 400)
    h.assert_unchanged(before, srv.db_snapshot(sessions=True), "a refused reset")
    new = "Cap-lai-mat-khau-2026"
    h.expect_redirect(admin.post("/accounts/%d/reset" % target, {"password": new}),
                      "/accounts/%d?ok=reset" % target)
    h.expect_error(victim.get("/"), 401, "err.login.required")
    assert not srv.sql("SELECT id FROM sessions WHERE account_id = %d" % target), "sessions survived the reset"
    fail_login(h.Client(srv), user, h.PASSWORD)
    c = h.logged_in(srv, user, new)
    assert c.login_answer["must_change_password"] is True, "a reset must force a change: %r" % c.login_answer
    h.expect_error(c.get("/"), 403, "err.password.must_change")
    assert srv.audit("action = 'account.reset' AND entity_id = %d" % target), "no account.reset audit row"


# --- CSRF ------------------------------------------------------------------------------------

def test_csrf_token_required_on_posts():
    target = srv.account("thuthu.th001")["id"]
    admin = h.logged_in(srv, "quantri.th001")
    other = h.logged_in(srv, "quantri.th001")   # a second session: its token is not this one's
    path = "/accounts/%d/disable" % target
    before = srv.db_snapshot(sessions=True)
    h.expect_error(admin.post(path, csrf=False), 403, "err.csrf")
    h.expect_error(admin.post(path, csrf="x" * 43), 403, "err.csrf")
    h.expect_error(admin.post(path, csrf=admin.csrf[:-1]), 403, "err.csrf")
    h.expect_error(admin.post(path, csrf=other.csrf), 403, "err.csrf")
    h.expect_error(admin.post(path, csrf=""), 403, "err.csrf")
    r = admin.post(path, csrf=False, json=False)
    h.expect_status(r, 403)
    assert r.header("Content-Type", "").startswith("text/html")
    assert h.in_html(h.vi("err.csrf"), r.text), "the CSRF refusal page lacks its message"
    # A cross-site page cannot post even with a token it somehow got; nor can a sandboxed one.
    for origin in ("http://evil.example", "null", "http://127.0.0.1:1"):
        h.expect_error(admin.post(path, headers={"Origin": origin}), 403, "err.csrf")
    h.assert_unchanged(before, srv.db_snapshot(sessions=True), "refused POSTs")
    assert srv.account("thuthu.th001")["disabled"] == 0

    # The header works as well as the field; a same-origin Origin is fine.
    r = admin.request("POST", path, body=b"", headers={"X-CSRF-Token": admin.csrf})
    h.expect_redirect(r, "/accounts/%d?ok=disabled" % target)
    assert srv.account("thuthu.th001")["disabled"] == 1
    r = admin.post("/accounts/%d/enable" % target, headers={"Origin": "http://127.0.0.1:%d" % srv.port})
    h.expect_redirect(r, "/accounts/%d?ok=enabled" % target)
    assert srv.account("thuthu.th001")["disabled"] == 0


def test_login_refuses_cross_site_origin():
    before = srv.db_snapshot(sessions=True)
    c = h.Client(srv)
    r = c.request("POST", "/login", body=h.form_encode({"username": "bgh.th001", "password": h.PASSWORD}),
                  headers={"Origin": "http://evil.example"})
    h.expect_error(r, 403, "err.csrf")
    assert "tv_session" not in c.cookies
    h.assert_unchanged(before, srv.db_snapshot(sessions=True), "a cross-site login")


# --- session lifetimes (own servers) ------------------------------------------------------------

def test_session_idle_expiry():
    with h.Server(env=dict(h.FAST_HASH, THUVIEN_SESSION_IDLE=2)) as s:
        c = h.logged_in(s, "thuthu.th001")
        h.expect_status(c.get("/"), 200)
        time.sleep(3.2)
        h.expect_error(c.get("/"), 401, "err.login.required")
        assert not s.sql("SELECT id FROM sessions"), "the expired session row was not deleted"
        # A fresh login works again.
        h.expect_status(h.logged_in(s, "thuthu.th001").get("/"), 200)


def test_session_absolute_expiry():
    with h.Server(env=dict(h.FAST_HASH, THUVIEN_SESSION_MAX=2)) as s:
        c = h.Client(s)
        r = c.request("POST", "/login", body=h.form_encode({"username": "thuthu.th001", "password": h.PASSWORD}))
        h.expect_status(r, 200)
        cookie = [h.parse_set_cookie(v) for v in r.header_all("Set-Cookie")]
        assert any(n == "tv_session" and a.get("max-age") == "2" for n, v, a in cookie), \
            "cookie Max-Age should be session_max (2): %r" % r.header_all("Set-Cookie")
        c.csrf = r.json()["csrf"]
        t0 = time.time()
        h.expect_status(c.get("/"), 200)
        time.sleep(1.1)
        h.expect_status(c.get("/"), 200)   # in use, so not idle: only the absolute limit applies
        time.sleep(max(0.0, 3.2 - (time.time() - t0)))
        h.expect_error(c.get("/"), 401, "err.login.required")


# --- disabled accounts -----------------------------------------------------------------------

def test_disabled_account_cannot_log_in_and_its_session_dies():
    user = "bgh.th001"
    target = srv.account(user)["id"]
    victim = h.logged_in(srv, user)
    h.expect_status(victim.get("/"), 200)
    admin = h.logged_in(srv, "quantri.th001")
    h.expect_redirect(admin.post("/accounts/%d/disable" % target), "/accounts/%d?ok=disabled" % target)
    h.expect_error(victim.get("/"), 401, "err.login.required")
    # The right password learns the account is disabled; a wrong one learns nothing.
    r = fail_login(h.Client(srv), user, h.PASSWORD, 403)
    h.expect_error(r, 403, "err.login.disabled")
    rb = fail_login(h.Client(srv, json=False), user, h.PASSWORD, 403)
    assert h.in_html(h.vi("err.login.disabled"), alert(rb.text)), "disabled page lacks its message"
    h.expect_error(fail_login(h.Client(srv), user, "sai-mat-khau-x"), 401, "err.login.bad")
    assert srv.audit("action = 'login.disabled' AND entity_id = %d" % target), "no login.disabled audit row"
    assert srv.audit("action = 'account.disable' AND entity_id = %d" % target), "no account.disable audit row"
    h.expect_redirect(admin.post("/accounts/%d/enable" % target), "/accounts/%d?ok=enabled" % target)
    h.expect_status(h.logged_in(srv, user).get("/"), 200)
