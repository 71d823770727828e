"""test_server.py: the server as a whole: health check, keep-alive, static files, one handler for
HTML and JSON, HTML escaping, the access log, the graceful stop, the two languages.
"""
import gzip
import http.client
import json
import os
import re
import socket
import threading
import time

import harness as h

srv = None


def setup_module():
    global srv
    srv = h.Server().start()


def teardown_module():
    srv.stop()


def test_healthz_json():
    for json in (True, False):   # always JSON, whatever the client asks for
        r = h.Client(srv, json=json).get("/healthz")
        h.expect_status(r, 200)
        assert r.header("Content-Type", "").startswith("application/json"), r.header("Content-Type")
        assert r.json() == {"status": "ok", "db": h.BACKEND}, r.json()
        assert r.header("Cache-Control") == "no-store", r.header("Cache-Control")
    r = h.Client(srv).request("HEAD", "/healthz")
    h.expect_status(r, 200)
    assert r.body == b"", "HEAD answered a body: %r" % r.body


def test_keep_alive_two_requests_on_one_connection():
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    conn.request("GET", "/healthz")
    r1 = conn.getresponse()
    b1 = r1.read()
    sock1 = conn.sock
    assert r1.version == 11, "answered HTTP/%d" % r1.version
    assert (r1.getheader("Connection") or "").lower() != "close", "the first answer closed the connection"
    assert sock1 is not None, "http.client saw the connection closed after the first answer"
    conn.request("GET", "/login", headers={"Accept": "application/json"})
    r2 = conn.getresponse()
    b2 = r2.read()
    assert conn.sock is sock1, "the second request needed a new connection"
    assert r2.status == 200 and b'"next"' in b2, (r2.status, b2[:200])
    assert b'"ok"' in b1
    conn.close()
    # Pipelined: two requests sent at once come back in order on the same connection.
    req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /khong-co HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n"
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    s.sendall(req)
    data = b""
    deadline = time.time() + 5
    while data.count(b"HTTP/1.1 ") < 2 or not data.rstrip().endswith(b"}}"):
        b = s.recv(65536)
        if not b or time.time() > deadline:
            break
        data += b
    s.close()
    statuses = re.findall(rb"HTTP/1\.1 (\d{3})", data)
    assert statuses == [b"200", b"404"], "pipelined answers: %r" % data[:300]


def test_static_assets():
    c = h.Client(srv, json=False)
    with open(os.path.join(h.ROOT, "static", "app.css"), "rb") as f:
        css = f.read()
    r = h.expect_status(c.get("/static/app.css"), 200)
    assert r.body == css, "app.css differs from static/app.css (stale build?)"
    assert r.header("Content-Type", "").startswith("text/css"), r.header("Content-Type")
    etag = r.header("ETag")
    assert etag and re.fullmatch(r'"[^"]+"', etag), "no strong ETag: %r" % etag
    assert "max-age=" in r.header("Cache-Control", ""), r.header("Cache-Control")
    assert "Accept-Encoding" in r.header("Vary", ""), r.header("Vary")
    assert r.header("Content-Encoding") is None, "gzip without Accept-Encoding"
    # A versioned URL (what the layout links) is cached for a year.
    r = h.expect_status(c.get("/static/app.css?v=1"), 200)
    assert "max-age=31536000" in r.header("Cache-Control", "") and "immutable" in r.header("Cache-Control", "")
    # gzip when the client takes it.
    r = h.expect_status(c.get("/static/app.css", headers={"Accept-Encoding": "gzip, deflate"}), 200)
    assert r.header("Content-Encoding") == "gzip", "no gzip: %r" % r.headers
    assert gzip.decompress(r.body) == css, "the gzip'ed app.css is not app.css"
    assert len(r.body) < len(css)
    # 304 when the client has it.
    r = c.get("/static/app.css", headers={"If-None-Match": etag})
    h.expect_status(r, 304)
    assert r.body == b"", "304 with a body"
    assert r.header("ETag") == etag
    h.expect_status(c.get("/static/app.css", headers={"If-None-Match": '"stale"'}), 200)
    # The front-end libraries and our script are there; HEAD has no body.
    for name, ctype in (("app.js", "text/javascript"), ("htmx.min.js", "text/javascript"),
                        ("pico.min.css", "text/css")):
        r = h.expect_status(c.get("/static/" + name), 200)
        assert r.header("Content-Type", "").startswith(ctype) and len(r.body) > 100, (name, r.headers)
    r = c.request("HEAD", "/static/app.css")
    h.expect_status(r, 200)
    assert r.body == b""
    # Nothing outside the embedded set, however the path is spelled.
    for path in (b"/static/../x", b"/static/%2e%2e/Makefile", b"/static/..%2fMakefile", b"/static/app.css.gz",
                 b"/static/./app.css/../../etc/passwd", b"/static/nope.css", b"/static//app.css"):
        r = h.raw(srv, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert r.status == 404, "GET %s: expected 404, got %r" % (path.decode(), r)


def test_security_headers_on_pages():
    r = h.expect_status(h.Client(srv, json=False).get("/login"), 200)
    assert "frame-ancestors 'none'" in r.header("Content-Security-Policy", ""), r.header("Content-Security-Policy")
    assert "script-src 'self'" in r.header("Content-Security-Policy", "")
    assert r.header("X-Frame-Options") == "DENY"
    assert r.header("X-Content-Type-Options") == "nosniff"
    assert r.header("Cache-Control") == "no-store", "pages must not be cached: %r" % r.header("Cache-Control")
    assert r.header("Content-Type") == "text/html; charset=utf-8"


# --- one handler, two shapes ------------------------------------------------------------------

def both(c_json, c_html, path):
    rj = c_json.get(path)
    h.expect_status(rj, 200)
    assert rj.header("Content-Type", "").startswith("application/json"), "%s JSON: %r" % (path, rj.headers)
    rh = c_html.get(path)
    h.expect_status(rh, 200)
    assert rh.header("Content-Type", "").startswith("text/html"), "%s HTML: %r" % (path, rh.headers)
    assert rh.text.lstrip().startswith("<!doctype html>"), "%s: not a full page" % path
    missing = h.untranslated(rh.text)
    assert not missing, "%s shows untranslated keys: %r" % (path, missing)
    return rj.json(), rh.text


def test_every_page_answers_json_with_the_data_the_html_shows():
    cj = h.logged_in(srv, "phong1.admin")
    ch = h.Client(srv, json=False)
    ch.login_form("phong1.admin")
    th = srv.unit("TH001")
    acc = srv.account("thuthu.th001")

    j, page = both(cj, ch, "/")
    assert j["unit_code"] == "PGD01" and j["admin"] is True, j
    assert h.in_html(j["unit_name"], page), "home HTML lacks %r" % j["unit_name"]

    pgd01 = srv.unit("PGD01")["path"]
    subtree = srv.sql("SELECT id, code FROM units WHERE path LIKE %s" % h.sql_str(pgd01 + "%"))
    j, page = both(cj, ch, "/units")
    assert sorted(u["code"] for u in j["units"]) == sorted(x["code"] for x in subtree), j["units"]
    assert j["units"][0]["code"] == "PGD01", "the tree does not start at the actor's unit"
    for u in j["units"]:
        assert h.in_html(u["name"], page) and "/units/%d" % u["id"] in page, "units HTML lacks %r" % u["name"]

    j, page = both(cj, ch, "/units/%d" % th["id"])
    assert j["unit"]["code"] == "TH001" and j["unit"]["name"] == th["name"], j["unit"]
    assert [c["name"] for c in j["crumbs"]] == ["Phòng Giáo dục và Đào tạo Quận 1", th["name"]], j["crumbs"]
    assert h.in_html(th["name"], page) and "TH001" in page
    assert srv.unit("SGD")["name"] not in page, "breadcrumbs show units above the actor's own"

    j, page = both(cj, ch, "/accounts")
    n = srv.sql_value("SELECT COUNT(*) FROM accounts a JOIN units u ON u.id = a.unit_id WHERE u.path LIKE %s"
                      % h.sql_str(pgd01 + "%"))
    assert j["total"] == n == len(j["accounts"]), "accounts: %r of %d" % (j["total"], n)
    for a in j["accounts"]:
        assert h.in_html(a["username"], page) and h.in_html(a["full_name"], page), "accounts HTML lacks %r" % a

    j, page = both(cj, ch, "/accounts/%d" % acc["id"])
    assert j["account"]["username"] == "thuthu.th001" and j["manage"] is True, j
    assert h.in_html(j["account"]["full_name"], page) and h.in_html(j["account"]["unit_name"], page)
    assert 'action="/accounts/%d/disable"' % acc["id"] in page, "no disable button for a manager"

    j, page = both(cj, ch, "/audit")
    assert j["entries"], "empty audit log"
    for e in j["entries"][:10]:
        assert e["action"] in page and h.in_html(e.get("detail") or "", page), "audit HTML lacks %r" % e

    j, page = both(cj, ch, "/password")
    assert j == {"forced": False, "min_length": 10}, j
    assert 'minlength="10"' in page

    j, page = both(cj, ch, "/accounts/new?unit=%d" % th["id"])
    assert sorted(u["id"] for u in j["units"]) == sorted(x["id"] for x in subtree), j["units"]
    assert "sysadmin" not in [x["value"] for x in j["roles"]], "a unit admin is offered the sysadmin role"
    for u in j["units"]:
        assert h.in_html(u["label"].strip(), page), u


def test_html_is_escaped():
    admin = h.logged_in(srv, "admin")
    evil = "<script>alert(1)</script>"
    r = admin.post("/units", {"parent_id": srv.unit("PGD01")["id"], "code": "XSS01", "name": "Trường " + evil,
                              "kind": "school", "school_level": "th"})
    h.expect_status(r, 201)
    uid = r.json()["id"]
    evil2 = '<img src=x onerror="alert(2)">\'&'
    r = admin.post("/accounts", {"unit_id": uid, "username": "xss.test", "full_name": "Tên " + evil2, "role": "reader",
                                 "password": "Mat-khau-xss-2026"})
    h.expect_status(r, 201)
    aid = r.json()["account"]["id"]
    assert r.json()["account"]["full_name"] == "Tên " + evil2, "JSON must carry the text as is"

    b = h.Client(srv, json=False)
    b.login_form("admin")
    for path, shown in (("/units/%d" % uid, evil), ("/units", evil), ("/accounts/%d" % aid, evil2),
                        ("/accounts?q=xss", evil2), ("/audit?action=unit", evil), ("/accounts/new", evil)):
        page = h.expect_status(b.get(path), 200).text
        assert "<script>alert" not in page and "<img src=x" not in page, "%s: unescaped markup: %s" % (
            path, page[page.find("alert") - 80:page.find("alert") + 40])
        escaped = h.html_escape(shown).replace("&#39;", "")
        assert escaped.rstrip("&amp;") in page, "%s does not show the escaped text %r" % (path, escaped)
    page = b.get("/accounts/%d" % aid).text
    assert "onerror=&quot;alert(2)&quot;&gt;&#39;&amp;" in page or "onerror=&quot;alert(2)&quot;&gt;&#x27;&amp;" in page, \
        "quotes and ampersand not escaped: %s" % page[page.find("onerror") - 40:page.find("onerror") + 60]

    # What a visitor types comes back escaped too: the login form's user name and next=.
    r = h.Client(srv, json=False).post("/login", {"username": '"><script>alert(3)</script>', "password": "x"})
    h.expect_status(r, 401)
    assert "<script>alert(3)" not in r.text and "&quot;&gt;&lt;script&gt;" in r.text, "login echo not escaped"
    r = h.Client(srv, json=False).get('/login?next=/x"><script>alert(4)</script>')
    h.expect_status(r, 200)
    assert "<script>alert(4)" not in r.text, "next= echoed unescaped"


def test_access_log_line():
    c = h.logged_in(srv, "quantri.th001")
    c.get("/units?x=1")
    c.get("/khong-co-trang")
    m = srv.wait_log(r"^\S+ INFO  GET /units 200 (\d+)us$")
    assert m, "no access line 'GET /units 200 NNNus' in the log:\n" + srv.log()[-800:]
    assert int(m.group(1)) > 0
    assert srv.wait_log(r"^\S+ INFO  POST /login 200 \d+us$"), "no access line for POST /login"
    assert srv.wait_log(r"^\S+ INFO  GET /khong-co-trang 404 \d+us$"), "no access line for a 404"
    assert re.search(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ INFO  ", srv.log(), re.M), "log lines lack the UTC time"
    # Secrets stay out of the log.
    log = srv.log()
    assert h.PASSWORD not in log, "a password appears in the log"
    assert c.csrf not in log and c.cookies["tv_session"] not in log, "a token appears in the log"


def test_graceful_stop_under_load():
    s = h.Server(env=h.FAST_HASH).start()
    token = h.logged_in(s, "quantri.th001").cookies["tv_session"]
    done, bad, errors = [], [], []
    stop_at = 120           # SIGTERM after this many answers
    lock = threading.Lock()

    def worker(n):
        conn = None
        for i in range(50):
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=h.slow(10))
                path = ("/healthz", "/units", "/login", "/accounts")[(n + i) % 4]
                conn.request("GET", path, headers={"Accept": "application/json", "Cookie": "tv_session=" + token})
                resp = conn.getresponse()
            except (OSError, http.client.HTTPException) as e:   # no answer at all: allowed
                with lock:
                    errors.append(type(e).__name__)
                conn = None
                time.sleep(0.01)
                continue
            try:
                body = resp.read()
                length = resp.getheader("Content-Length")
                json.loads(body)
                assert resp.status in (200, 503), resp.status
                assert length is None or int(length) == len(body)
                with lock:
                    done.append(path)
            except Exception as e:   # an answer that started and broke off: not allowed
                with lock:
                    bad.append("%s: %s %r" % (path, type(e).__name__, e))
                conn = None

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    deadline = time.time() + h.slow(20)
    while len(done) < stop_at and time.time() < deadline and any(t.is_alive() for t in threads):
        time.sleep(0.005)
    assert len(done) >= stop_at, "only %d answers before the stop (errors: %r)" % (len(done), errors[:5])
    log = s.stop()          # asserts exit status 0 within 10 s
    for t in threads:
        t.join(h.slow(20))
    assert not bad, "%d answers broke off during the stop: %r" % (len(bad), bad[:5])
    assert re.search(r"INFO  stopped$", log, re.M), "the log does not say 'stopped':\n" + log[-500:]
    assert re.search(r"signal 15: stopping", log), "the log does not record SIGTERM"


# --- languages -------------------------------------------------------------------------------

def test_login_page_in_vietnamese_with_diacritics():
    title = h.vi("login.title")
    assert re.search(r"[^\x00-\x7f]", title), "login.title %r has no Vietnamese letters" % title
    r = h.expect_status(h.Client(srv, json=False).get("/login"), 200)
    assert '<html lang="vi">' in r.text
    assert "<h1>%s</h1>" % h.html_escape(title) in r.text, "no <h1>%s</h1> on the login page" % title
    for key in ("login.username", "login.password", "login.submit", "app.name"):
        assert h.in_html(h.vi(key), r.text), "login page lacks %s = %r" % (key, h.vi(key))
    assert not h.untranslated(r.text), "untranslated: %r" % h.untranslated(r.text)


def test_language_switch_to_english():
    # A visitor: the choice is kept in a cookie.
    b = h.Client(srv, json=False)
    r = b.post("/lang", {"lang": "en", "back": "/units"})
    h.expect_status(r, 303)
    assert r.header("Location") == "/units", r.header("Location")
    assert b.cookies.get("tv_lang") == "en", b.cookies
    page = h.expect_status(b.get("/login"), 200).text
    assert '<html lang="en">' in page, "not marked English"
    assert "<h1>%s</h1>" % h.html_escape(h.en("login.title")) in page, "login page not in English"
    assert h.vi("login.title") not in page
    h.expect_error(h.Client(srv).post("/lang", {"lang": "fr"}), 400, "err.lang")
    h.expect_redirect(h.Client(srv).post("/lang", {"lang": "en", "back": "//evil.example"}), "/")

    # A logged-in user: kept on the account, so it follows them to a new session.
    c = h.logged_in(srv, "bgh.th001")
    h.expect_error(c.post("/lang", {"lang": "en", "back": "/"}, csrf=False), 403, "err.csrf")
    h.expect_redirect(c.post("/lang", {"lang": "en", "back": "/"}), "/")
    assert srv.account("bgh.th001")["lang"] == "en"
    b2 = h.Client(srv, json=False)
    b2.login_form("bgh.th001")
    page = h.expect_status(b2.get("/"), 200).text
    assert '<html lang="en">' in page and h.in_html(h.en("home.hello"), page), "home not in English"
    assert h.in_html(h.en("nav.home"), page)
    h.expect_redirect(c.post("/lang", {"lang": "vi", "back": "/"}), "/")
    page = h.expect_status(b2.get("/"), 200).text
    assert '<html lang="vi">' in page and h.in_html(h.vi("home.hello"), page)


def test_error_pages_follow_the_language_choice():
    """An English user's 404 (or 405, 400...) page should be in English too: the tv_lang cookie
    is there even when the route is unknown."""
    b = h.Client(srv, json=False)
    h.expect_status(b.post("/lang", {"lang": "en", "back": "/"}), 303)
    r = b.get("/khong-co")
    h.expect_status(r, 404)
    e = h.expect_error(h.Client(srv).get("/khong-co", headers={"Cookie": "tv_lang=en"}), 404)
    assert '<html lang="en">' in r.text and e["message"] == h.en("err.notfound"), (
        "BUG: with tv_lang=en the 404 page is still Vietnamese: %r" % e)
