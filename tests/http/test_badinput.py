"""test_badinput.py: what the server does with requests that are too big, too slow, malformed or
hostile. Each case expects a precise refusal (status and, where the server can answer, a readable
message), and the server must still answer /healthz afterwards.

The module server has the default limits (max_body 1 MiB, max_header 16 KiB). Slow clients go to
a second shared server started on first use with THUVIEN_REQUEST_TIMEOUT=2; the connection-limit
case starts its own with THUVIEN_MAX_CONNECTIONS=5.
"""
import json
import socket
import threading
import time

import harness as h

srv = None
MAX_BODY = 1 << 20

FORM = "application/x-www-form-urlencoded"


slow_srv = None   # THUVIEN_REQUEST_TIMEOUT=2, started by the first test that needs it


def setup_module():
    global srv
    srv = h.Server().start()


def teardown_module():
    srv.stop()
    if slow_srv:
        slow_srv.stop()


def slow_server():
    global slow_srv
    if slow_srv is None:
        slow_srv = h.Server(env=dict(h.FAST_HASH, THUVIEN_REQUEST_TIMEOUT=2)).start()
    return slow_srv


def post_raw(path, body, content_type=FORM, accept="application/json", extra=b""):
    head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: %s\r\nContent-Type: %s\r\n"
            "Content-Length: %d\r\nConnection: close\r\n" % (path, accept, content_type, len(body))).encode()
    return h.raw(srv, head + extra + b"\r\n" + body)


def raw_error(r, status, code=None):
    """A JSON error answer read from a raw socket."""
    assert r.status == status, "expected %d, got %r" % (status, r)
    e = json.loads(r.body.decode("utf-8"))["error"]
    assert e["status"] == status and e["title"] and e["message"], e
    if code:
        assert e["code"] == code, "code %r, expected %r" % (e["code"], code)
    return e


# --- sizes -----------------------------------------------------------------------------------

def test_content_length_above_max_body_413():
    head = ("POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nContent-Type: %s\r\n"
            "Content-Length: %d\r\n\r\n" % (FORM, MAX_BODY + 1)).encode()
    # The server answers from the headers alone, before any body byte.
    r = h.raw(srv, [head] + [b"a" * 65536] * 20, pause=0.02)
    e = raw_error(r, 413, "err.body_too_big")
    assert e["message"] == h.vi("err.body_too_big"), e
    assert r.closed, "the connection should be closed after a 413"
    # Exactly max_body is fine (it is a form, so it is parsed: one long value of the right size).
    body = b"lang=xx&back=/" + b"&x=" + b"a" * (MAX_BODY - 17)
    assert len(body) == MAX_BODY
    r = h.Client(srv).request("POST", "/lang", body=body)
    h.expect_error(r, 400, "err.lang")
    h.assert_healthy(srv, "a 413")


def test_chunked_body_growing_past_max_body_413():
    head = ("POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nContent-Type: %s\r\n"
            "Transfer-Encoding: chunked\r\n\r\n" % FORM).encode()
    chunk = b"a" * 65536
    chunks = [head, b"username=x&password="] + [b"%x\r\n%s\r\n" % (len(chunk), chunk)] * 20 + [b"0\r\n\r\n"]
    chunks[1] = b"%x\r\n%s\r\n" % (len(chunks[1]), chunks[1])
    r = h.raw(srv, chunks, pause=0.05)
    assert r.status == 413, ("BUG: a chunked body growing past max_body must be answered 413 "
                             "(err.body_too_big), got %r; server log: %s" % (r, srv.log()[-400:]))
    raw_error(r, 413, "err.body_too_big")
    h.assert_healthy(srv, "an oversized chunked body")


def test_headers_too_large_431():
    for size in (20000, 40000, 200000):
        req = (b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nX-Big: " + b"a" * size +
               b"\r\nConnection: close\r\n\r\n")
        r = h.raw(srv, req)
        assert r.status == 431, "a %d-byte header: expected 431, got %r" % (size, r)
        assert r.closed
    # Between max_header (16 KiB) and what libmicrohttpd itself refuses, the answer is ours.
    req = (b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nX-Big: " + b"a" * 20000 +
           b"\r\nConnection: close\r\n\r\n")
    e = raw_error(h.raw(srv, req), 431, "err.headers_too_big")
    assert e["message"] == h.vi("err.headers_too_big"), e
    # Many small headers add up the same way.
    for n in (170, 400):
        req = b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
        req += b"".join(b"X-H%d: %s\r\n" % (i, b"b" * 100) for i in range(n)) + b"\r\n"
        r = h.raw(srv, req)
        assert r.status == 431, "%d headers of 100 bytes: expected 431, got %r" % (n, r)
    # A long path counts too.
    r = h.raw(srv, b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n")
    raw_error(r, 431, "err.headers_too_big")
    h.assert_healthy(srv, "431s")


def test_long_query_string_counts_toward_max_header():
    """max_header is "bytes of the request line + headers" (config.h): the query string is part
    of the request line."""
    r = h.raw(srv, b"GET /login?next=/" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n")
    assert r.status in (414, 431), ("BUG: a request line of 20 kB (in the query string) is over max_header "
                                    "(16 KiB) but was answered %r" % r)


# --- encodings -------------------------------------------------------------------------------

def test_malformed_form_encoding_400():
    msg = h.vi("err.form.encoding")
    for body in (b"lang=%zz", b"lang=en&back=%4", b"lang=en&back=%", b"la%g=en", b"lang=en\x00&back=/",
                 b"lang=e\x00n"):
        r = post_raw("/lang", body)
        e = raw_error(r, 400, "err.form.encoding")
        assert e["message"] == msg, e
        rb = post_raw("/lang", body, accept="text/html")
        assert rb.status == 400 and h.in_html(msg, rb.text), "HTML refusal lacks %r: %r" % (msg, rb)
    h.assert_healthy(srv, "bad form encodings")


def test_percent_encoded_nul_in_form_is_refused():
    """%00 decodes to a NUL byte that would cut the value short: "en%00zzz" must not be taken for
    "en", nor "admin%00x" for "admin"."""
    before = srv.db_snapshot(sessions=True, audit_ignore=("login.fail",))
    r = post_raw("/lang", b"lang=en%00zzz&back=/")
    assert r.status == 400, "BUG: POST /lang with lang=en%%00zzz: expected 400 err.form.encoding, got %r" % r
    c = h.Client(srv)
    r = c.request("POST", "/login", body=("username=admin%%00zzz&password=%s" % h.PASSWORD).encode())
    assert r.status == 400, ("BUG: POST /login with username=admin%%00zzz and admin's password logged in "
                             "as admin: %s" % h.describe(r))
    h.assert_unchanged(before, srv.db_snapshot(sessions=True, audit_ignore=("login.fail",)), "NUL-cut logins")
    h.assert_healthy(srv, "%00 in forms")


def test_percent_encoded_nul_in_path_and_query_is_refused():
    r = h.raw(srv, b"GET /static/app.css%00.png HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n"
                   b"Connection: close\r\n\r\n")
    assert r.status in (400, 404), "BUG: /static/app.css%%00.png served as app.css: %r" % r
    r = h.raw(srv, b"GET /login?next=/units%00/x HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n"
                   b"Connection: close\r\n\r\n")
    assert r.status == 400, "BUG: a query value with %%00 is accepted (cut short): %r" % r
    h.assert_healthy(srv, "%00 in the URI")


def test_invalid_utf8_400():
    bad = ["%C3%28", "%FF", "%C0%AF", "%ED%A0%80", "%F4%90%80%80", "%E2%82"]
    for seq in bad:
        # In a form value, and in a form name.
        e = raw_error(post_raw("/lang", ("lang=en&back=/x" + seq).encode()), 400, "err.utf8")
        assert e["message"] == h.vi("err.utf8"), e
        raw_error(post_raw("/lang", ("lang=en&x" + seq + "=1").encode()), 400, "err.utf8")
        # In the query string and in the path.
        r = h.Client(srv).get("/login?next=/" + seq)
        h.expect_error(r, 400, "err.utf8")
        r = h.Client(srv).get("/units/" + seq)
        h.expect_error(r, 400, "err.utf8")
    # Raw (not percent-encoded) bytes in the path too.
    r = h.raw(srv, b"GET /\xc3\x28 HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nConnection: close\r\n\r\n")
    assert r.status == 400, r
    # The HTML page explains itself in Vietnamese.
    r = h.Client(srv, json=False).get("/login?next=%C3%28")
    h.expect_status(r, 400)
    assert h.in_html(h.vi("err.utf8"), r.text), "the 400 page lacks the UTF-8 message"
    h.assert_healthy(srv, "invalid UTF-8")


def test_overlong_fields_refused_and_nothing_created():
    admin = h.logged_in(srv, "quantri.th001")
    unit = srv.unit("TH001")["id"]
    before = srv.db_snapshot()
    good = {"unit_id": unit, "username": "truong.dai", "full_name": "Tên Bình Thường", "role": "reader",
            "password": "Mat-khau-dai-2026"}
    cases = [
        (dict(good, username="a" * 100000), "err.account.username"),
        (dict(good, username="a" * 65), "err.account.username"),
        (dict(good, full_name="Nguyễn " * 800), "err.account.full_name"),
        (dict(good, full_name="x" * 151), "err.account.full_name"),
        (dict(good, password="Mat-khau-" + "x" * 300), "err.password.long"),
    ]
    for fields, code in cases:
        e = h.expect_error(admin.post("/accounts", fields), 400, code)
        assert e["message"] == h.vi(code), e
        r = admin.post("/accounts", fields, json=False)
        h.expect_status(r, 400)
        assert h.in_html(h.vi(code), r.text), "HTML refusal lacks %s's message" % code
    h.expect_error(admin.post("/units", {"parent_id": unit, "code": "DAI01", "name": "T" * 5000, "kind": "school",
                                         "school_level": "th"}), 400, "err.unit.name")
    h.expect_error(admin.post("/units", {"parent_id": unit, "code": "D" * 5000, "name": "Tên", "kind": "school",
                                         "school_level": "th"}), 400, "err.unit.code")
    h.assert_unchanged(before, srv.db_snapshot(), "refused account creations")
    # A 100 kB user name at the login is just a failed login.
    h.expect_error(h.Client(srv).request("POST", "/login", body=h.form_encode(
        {"username": "a" * 100000, "password": "x" * 5000})), 401, "err.login.bad")
    h.assert_healthy(srv, "overlong fields")


def test_too_many_form_fields_400():
    body = "&".join("f%d=1" % i for i in range(5000)).encode()   # the limit is 4096
    raw_error(post_raw("/lang", body), 400, "err.form.fields")
    h.assert_healthy(srv, "too many fields")


def test_non_form_content_type_415():
    admin = h.logged_in(srv, "quantri.th001")
    target = srv.account("bandoc.th001")["id"]
    before = srv.db_snapshot()
    for ct, body in (("application/json", b'{"lang":"en"}'), ("text/plain", b"lang=en"),
                     ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data; name=lang\r\n\r\nen\r\n--x--\r\n"),
                     ("application/xml", b"<lang>en</lang>")):
        e = raw_error(post_raw("/lang", body, content_type=ct), 415, "err.content_type")
        assert e["message"] == h.vi("err.content_type"), e
        r = admin.request("POST", "/accounts/%d/disable" % target, body=body, content_type=ct,
                          headers={"X-CSRF-Token": admin.csrf})
        h.expect_error(r, 415, "err.content_type")
    h.assert_unchanged(before, srv.db_snapshot(), "415s")
    # The media type is matched case-insensitively, parameters allowed.
    r = h.Client(srv).request("POST", "/lang", body=b"lang=xx",
                              content_type="Application/X-WWW-Form-Urlencoded; charset=UTF-8")
    h.expect_error(r, 400, "err.lang")
    h.assert_healthy(srv, "415s")


# --- routing ---------------------------------------------------------------------------------

def test_unknown_route_404_in_vietnamese():
    for path in ("/khong-co", "/accounts/0", "/accounts/abc", "/accounts/1/delete", "/units/1/x",
                 "/accounts/" + "9" * 19, "/static/", "/static/nope.css", "//", "/login/"):
        r = h.Client(srv, json=False).get(path)
        assert r.status == 404, "GET %s: expected 404, got %s" % (path, h.describe(r))
        assert r.header("Content-Type", "").startswith("text/html"), r.header("Content-Type")
        assert '<html lang="vi">' in r.text, "404 page not marked Vietnamese"
        assert h.in_html(h.vi("err.notfound"), r.text), "404 page lacks %r" % h.vi("err.notfound")
        assert h.in_html(h.vi("http.404"), r.text), "404 page lacks its title %r" % h.vi("http.404")
        assert not h.untranslated(r.text), "untranslated keys on the 404 page: %r" % h.untranslated(r.text)
        h.expect_error(h.Client(srv).get(path), 404, "err.notfound")
    h.assert_healthy(srv, "404s")


def test_wrong_method_405_with_allow():
    cases = [("DELETE", "/login", {"GET", "POST"}), ("PUT", "/healthz", {"GET"}), ("POST", "/healthz", {"GET"}),
             ("GET", "/logout", {"POST"}), ("PATCH", "/accounts/5", {"GET"}), ("GET", "/accounts/5/disable", {"POST"}),
             ("POST", "/accounts/new", {"GET"}), ("DELETE", "/units", {"GET", "POST"})]
    for method, path, allow in cases:
        r = h.Client(srv).request(method, path, body=b"" if method in ("POST", "PUT", "PATCH") else None)
        h.expect_error(r, 405, "err.method")
        got = set(x.strip() for x in (r.header("Allow") or "").split(",") if x.strip())
        assert allow <= got, "%s %s: Allow %r lacks %r" % (method, path, r.header("Allow"), allow)
        assert got <= allow | {"HEAD"}, "%s %s: Allow %r offers more than %r" % (method, path, r.header("Allow"), allow)
    r = h.Client(srv, json=False).request("PUT", "/login", body=b"")
    h.expect_status(r, 405)
    assert h.in_html(h.vi("err.method"), r.text)
    h.assert_healthy(srv, "405s")


def test_garbage_requests_400_or_closed():
    garbage = [
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)),   # a TLS ClientHello
        b"HELLO\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
        b"GET  /  HTTP/1.1 extra\r\nHost: x\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"POST /lang HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nlang=en\r\n0\r\n\r\n",
    ]
    for g in garbage:
        r = h.raw(srv, g, timeout=3)
        ok = r.status in (400, 404, 405, 413, 431, 505) or (r.status is None and r.closed)
        assert ok, "garbage %r: expected 400 or a closed connection, got %r" % (g[:40], r)
        assert r.status != 200, "garbage %r answered 200: %r" % (g[:40], r)
        h.assert_healthy(srv, "garbage %r" % g[:30])


@h.known_limitation("libmicrohttpd 0.9.75 (Debian 12) parses header lines as C strings, so a line "
                    "starting with NUL reads as the end of the headers; 0.9.77 added strict client "
                    "checks. Behind nginx, which refuses NUL in headers, it cannot be reached.")
def test_nul_in_a_header_line_refused():
    """A NUL in a field line must make the request invalid (RFC 9112: reject it, or replace the NUL
    by a space); taking it for the end of the headers means the headers after it are silently
    dropped and re-read as something else, the stuff of request smuggling behind a proxy."""
    r = h.raw(srv, b"GET /khong-co HTTP/1.1\r\nHost: x\r\n\x00X: y\r\nAccept: application/json\r\n"
                   b"Connection: close\r\n\r\n", timeout=3)
    assert r.status == 400 or (r.status is None and r.closed), (
        "BUG: a header line starting with NUL ended the header section: the Accept and Connection "
        "headers after it were ignored; got %r" % r)
    h.assert_healthy(srv, "a NUL in a header line")


def test_conflicting_content_lengths_refused():
    """Two different Content-Length values make the body's end ambiguous; RFC 9112 (6.3) says the
    message is invalid and the server must answer 400 and close, else a proxy and this server may
    split the stream differently (request smuggling)."""
    r = h.raw(srv, b"POST /lang HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n"
                   b"Content-Type: application/x-www-form-urlencoded\r\n"
                   b"Content-Length: 7\r\nContent-Length: 15\r\n\r\nlang=en&back=/x", timeout=3)
    assert r.status == 400 or (r.status is None and r.closed), (
        "BUG: Content-Length 7 and 15 in one request were accepted: %r" % r)
    h.assert_healthy(srv, "conflicting Content-Lengths")


def test_garbage_that_looks_unfinished_is_closed_within_request_timeout():
    """Bytes the parser takes for the start of a request (NULs, blank lines) may be waited on, but
    not beyond request_timeout."""
    s = slow_server()
    garbage = (b"\x00\x00\x00\x00\r\n\r\n", b"\r\n" * 1000, b"\x00GET / HTTP/1.1\r\n\r\n", b"GET / HT")
    results = {}
    threads = [threading.Thread(target=lambda g=g: results.__setitem__(g, h.raw(s, g, timeout=6))) for g in garbage]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for g in garbage:
        r = results[g]
        assert r.closed or r.status in (400, 408), "garbage %r: not closed within 6 s: %r" % (g[:20], r)
        assert r.elapsed < 4.5, "garbage %r held %.1f s with request_timeout=2" % (g[:20], r.elapsed)
        assert r.status != 200, r
    h.assert_healthy(s)


# --- slow clients and too many connections (servers with short limits) ----------------------------------------

def test_slow_body_408_or_closed():
    s = slow_server()
    head = (b"POST /login HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n")
    t0 = time.time()
    r = h.raw(s, [head] + [b"a"] * 30, pause=0.3, timeout=8)
    took = time.time() - t0
    assert r.status == 408 or (r.status is None and r.closed), "slow body: expected 408 or close, got %r" % r
    # request_timeout is wall-clock time, so no allowance for slow (sanitizer) builds here.
    assert took < 5, "slow body held for %.1f s with request_timeout=2" % took
    if r.status == 408:
        raw_error(r, 408, "err.timeout")
    assert h.healthy(s), "server unhealthy after a slow body"


def test_slow_headers_closed():
    """Slowloris: headers trickled a line at a time must not hold a connection beyond
    request_timeout ("seconds to receive a whole request", config.h)."""
    s = slow_server()
    t0 = time.time()
    # 18 lines a third of a second apart: 6 s of headers. The server should hang up after ~2 s.
    r = h.raw(s, [b"GET /healthz HTTP/1.1\r\nHost: x\r\n"] + [b"X-Slow: 1\r\n"] * 18, pause=0.33, timeout=1)
    took = time.time() - t0
    assert r.status in (408, 400, None), "slow headers: %r" % r
    assert (r.closed or r.status) and took < 4.5, (
        "BUG: headers trickled one line every 0.33 s kept the connection open %.1f s (and counting) "
        "with request_timeout=2 (slowloris); %r" % (took, r))
    assert h.healthy(s)


def test_connection_limit_503():
    with h.Server(env=dict(h.FAST_HASH, THUVIEN_MAX_CONNECTIONS=5)) as s:
        # The harness's start-up health checks closed their connections, but the server may not
        # have seen the close yet; until it has, they still count toward the limit.
        time.sleep(0.5)
        socks, answers = [], []
        try:
            for i in range(10):
                k = socket.create_connection(("127.0.0.1", s.port), timeout=h.slow(5))
                k.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n")
                data = b""
                while b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) < 20:
                    b = k.recv(65536)
                    if not b:
                        break
                    data += b
                answers.append(data)
                socks.append(k)   # kept open, idle, keep-alive
            statuses = [int(a[9:12]) if a.startswith(b"HTTP/1.1 ") else None for a in answers]
            assert statuses[:5] == [200] * 5, "the first 5 connections: %r" % statuses
            assert statuses[5:] == [503] * 5, "connections 6-10 should get 503: %r" % statuses
            for a in answers[5:]:
                head, _, body = a.partition(b"\r\n\r\n")
                assert b"connection: close" in head.lower(), "503 without Connection: close: %r" % head
                assert b"err.overloaded" in body, body
            for a in answers[:5]:
                assert b"connection: close" not in a.lower(), "a 200 closed its keep-alive connection"
        finally:
            for k in socks:
                k.close()
        time.sleep(0.3)
        assert h.healthy(s), "still refusing after the idle connections closed"
