"""harness.py: what every HTTP test of thuvien stands on.

A test module starts a real `thuvien serve` on a fresh database filled by `thuvien demo`, talks to
it over HTTP, and stops it at the end, checking that it stopped cleanly:

    import harness as h

    srv = None

    def setup_module():
        global srv
        srv = h.Server().start()          # fresh database + demo city, free port, /healthz up

    def teardown_module():
        srv.stop()                        # SIGTERM; exit status 0 within 10 s; no sanitizer report

    def test_something():
        c = h.Client(srv)
        c.login("thuthu.th001")           # the demo password; returns the session's CSRF token
        r = c.get("/accounts")            # JSON by default: Accept: application/json
        h.expect_status(r, 403)

A test that needs special settings starts its own server with `with h.Server(env={...}) as s:`.

Environment:
    THUVIEN_BIN            the binary (default build/thuvien, relative to the repository)
    THUVIEN_TEST_BACKEND   sqlite (default) or postgresql
    THUVIEN_PG_DIR         with postgresql: the cluster made by scripts/pg-cluster.sh start DIR
    THUVIEN_ASAN           1: the binary is an ASan/UBSan build (also detected from the binary)

Python 3 standard library only.
"""
import atexit
import http.client
import itertools
import json as jsonlib
import os
import re
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import uuid
import urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, os.environ.get("THUVIEN_BIN") or "build/thuvien")
BACKEND = (os.environ.get("THUVIEN_TEST_BACKEND") or "sqlite").lower()
if BACKEND in ("pg", "postgres"):
    BACKEND = "postgresql"
PG_DIR = os.environ.get("THUVIEN_PG_DIR", "")

# The password every demo account gets (it passes the policy: long, not common).
PASSWORD = "Thuvien-Demo-2026"

# Cheap Argon2id for servers started only to test something else (session lifetimes, limits):
# the demo's 23 hashes then take a tenth of a second instead of two. Module servers keep the
# real cost.
FAST_HASH = {"THUVIEN_ARGON2_OPS": 1, "THUVIEN_ARGON2_MEM_KIB": 1024}

_asan = None


def is_asan():
    """True for an ASan/UBSan binary: THUVIEN_ASAN=1, or the sanitizer runtime in the binary."""
    global _asan
    if _asan is None:
        if os.environ.get("THUVIEN_ASAN") == "1":
            _asan = True
        else:
            try:
                with open(BIN, "rb") as f:
                    _asan = b"__asan_init" in f.read()
            except OSError:
                _asan = False
    return _asan


def slow(seconds):
    """A time limit, stretched for sanitizer builds (they run several times slower)."""
    return seconds * 4 if is_asan() else seconds


# --- translations ------------------------------------------------------------------------------

def i18n(lang, key):
    """The text of key in i18n/LANG.txt, read now (the file the binary embedded at build time)."""
    path = os.path.join(ROOT, "i18n", lang + ".txt")
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            k, v = line.split("=", 1)
            if k.strip() == key:
                return v.strip()
    raise AssertionError("i18n/%s.txt has no key %r" % (lang, key))


def vi(key):
    return i18n("vi", key)


def en(key):
    return i18n("en", key)


def html_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def in_html(text, body):
    """Is text in an HTML body, plainly or escaped (templates escape & < > " ')?"""
    if text in body:
        return True
    for q in ("&#39;", "&#x27;", "&apos;"):
        if html_escape(text).replace("&#39;", q) in body:
            return True
    return False


_KEY_RE = re.compile(r"(?<![\w./-])((?:app|nav|login|err|http|accounts|units|unit|audit|home|password|"
                     r"role|pager|lang|ok)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*)(?![\w/-])")


def untranslated(body):
    """i18n keys shown as such in an HTML page's text (a missing translation): a sorted list.
    Text in <code> (audit actions such as login.ok, unit codes) is data, not a key."""
    text = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    text = re.sub(r"<code>.*?</code>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text)
    return sorted(set(m.group(1) for m in _KEY_RE.finditer(text)))


# --- the server --------------------------------------------------------------------------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def child_env(extra=None):
    """The environment of a thuvien process: ours without THUVIEN_* settings, plus extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("THUVIEN_")}
    env["TZ"] = "UTC"
    if is_asan():
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    for k, v in (extra or {}).items():
        env[k] = str(v)
    return env


_counter = itertools.count(1)
_live = []   # servers started and not yet stopped, so the runner can reap them after a failure


def sanitizer_reports(text):
    return [line for line in text.splitlines()
            if "ERROR: AddressSanitizer" in line or "runtime error:" in line
            or "ERROR: LeakSanitizer" in line]


def sql_str(s):
    """A SQL string literal (for the handful of queries tests build)."""
    return "'" + str(s).replace("'", "''") + "'"


class Server:
    """One `thuvien serve` on a fresh database holding the demo city.

    env: extra environment (THUVIEN_SESSION_IDLE=2, ...), given to `demo` and `serve` alike.
    """

    def __init__(self, env=None, name=None):
        self.env = dict(env or {})
        self.name = name or "t%d_%d" % (os.getpid(), next(_counter))
        self.proc = None
        self.port = None
        self.tmp = tempfile.mkdtemp(prefix="thuvien-http-")
        self.err_path = os.path.join(self.tmp, "stderr.log")
        self.db_url = None
        self.pg_db = None
        self.stopped = False

    # The database ---------------------------------------------------------------------------

    def _make_db(self):
        if BACKEND == "sqlite":
            self.db_url = os.path.join(self.tmp, "thuvien.db")
            return
        if BACKEND != "postgresql":
            raise AssertionError("THUVIEN_TEST_BACKEND must be sqlite or postgresql, not %r" % BACKEND)
        if not PG_DIR:
            raise AssertionError("THUVIEN_TEST_BACKEND=postgresql needs THUVIEN_PG_DIR "
                                 "(scripts/pg-cluster.sh start DIR)")
        self.pg_db = "http_" + re.sub(r"[^A-Za-z0-9_]", "_", self.name).lower()
        out = subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster.sh"), "createdb", PG_DIR, self.pg_db],
                             capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise AssertionError("pg-cluster.sh createdb failed: " + out.stderr.strip())
        self.db_url = out.stdout.strip().splitlines()[-1]

    def cli(self, *args, env=None, check=True, input=None):
        """Run `thuvien --db URL ARGS...` on this server's database; returns CompletedProcess."""
        e = dict(self.env)
        e.update(env or {})
        p = subprocess.run([BIN, "--db", self.db_url] + list(args), capture_output=True, text=True,
                           env=child_env(e), cwd=self.tmp, timeout=slow(60), input=input)
        if check and p.returncode != 0:
            raise AssertionError("thuvien %s: exit %d\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
        if is_asan():
            bad = sanitizer_reports(p.stderr)
            assert not bad, "thuvien %s: sanitizer report:\n%s" % (" ".join(args), p.stderr[-4000:])
        return p

    def client(self, user, json=True):
        """A client logged in as user (as JSON, or through the login form for HTML), made once per
        server and user and kept: scenario tests ask for the same accounts again and again."""
        cache = self.__dict__.setdefault("_clients", {})
        if (user, json) not in cache:
            c = Client(self, json=json)
            if json:
                c.login(user)
            else:
                c.login_form(user)
            cache[(user, json)] = c
        return cache[(user, json)]

    def check(self, *args):
        """Run `thuvien check` on this server's database (issue 7: what the registers rest on) and
        assert that every rule holds (exit 0), with its output in the failure message. Scenario
        tests that write stock call it at their end; extra args (--school CODE) are passed on."""
        p = self.cli("check", *args, check=False)
        assert p.returncode == 0, "thuvien check: exit %d\n%s%s" % (p.returncode, p.stdout, p.stderr)
        return p.stdout

    # Start and stop --------------------------------------------------------------------------

    def start(self):
        if not os.access(BIN, os.X_OK):
            raise AssertionError("no binary %s (run make, or set THUVIEN_BIN)" % BIN)
        self._make_db()
        self.cli("demo", "--password", PASSWORD)
        for attempt in range(5):
            self.port = free_port()
            self.errf = open(self.err_path, "ab")
            self.proc = subprocess.Popen(
                [BIN, "--db", self.db_url, "serve", "--listen", "127.0.0.1:%d" % self.port],
                stdin=subprocess.DEVNULL, stdout=self.errf, stderr=self.errf,
                env=child_env(self.env), cwd=self.tmp)
            _live.append(self)
            if self._wait_healthy():
                return self
            if self.proc.poll() is None:
                break
            # The port was taken between free_port() and the bind: try another one.
            if "cannot listen" not in self.log():
                break
        log = self.log()
        self.kill()
        raise AssertionError("server did not become healthy on port %d; its log:\n%s" % (self.port, log[-3000:]))

    def _wait_healthy(self):
        deadline = time.time() + slow(15)
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/healthz")
                r = c.getresponse()
                r.read()
                c.close()
                if r.status == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def log(self):
        """Everything the server wrote to stderr so far (its log), as text."""
        try:
            with open(self.err_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_log(self, pattern, timeout=5):
        """Wait until a line of the log matches the regex pattern; returns the match or None."""
        deadline = time.time() + slow(timeout)
        while True:
            m = re.search(pattern, self.log(), re.M)
            if m or time.time() > deadline:
                return m
            time.sleep(0.05)

    def stop(self, timeout=10):
        """SIGTERM; assert that the server exits with status 0 within timeout seconds and that
        its log holds no sanitizer report. Returns the log."""
        if self.stopped:
            return self.log()
        self.stopped = True
        try:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=timeout)   # the server drains for 10 s at most
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("server did not stop within %d s of SIGTERM; log tail:\n%s"
                                     % (timeout, self.log()[-2000:]))
            log = self.log()
            assert rc == 0, "server exited with status %d after SIGTERM; log tail:\n%s" % (rc, log[-3000:])
            bad = sanitizer_reports(log)
            assert not bad, "sanitizer report in the server's log:\n%s" % log[-6000:]
            return log
        finally:
            self._cleanup()

    def kill(self):
        """Stop without checks (after a failed test)."""
        self.stopped = True
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._cleanup()

    def _cleanup(self):
        if self in _live:
            _live.remove(self)
        try:
            self.errf.close()
        except Exception:
            pass
        if self.pg_db:
            subprocess.run(["psql", "-XAtq", "-d", self.db_url.rsplit("/", 1)[0] + "/postgres", "-c",
                            "DROP DATABASE IF EXISTS %s" % self.pg_db], capture_output=True, timeout=60)
            self.pg_db = None
        if os.environ.get("THUVIEN_KEEP") != "1":
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        if not self.proc:
            self.start()
        return self

    def __exit__(self, et, ev, tb):
        if et is None:
            self.stop()
        else:
            self.kill()
        return False

    # Looking into the database ---------------------------------------------------------------

    def sql(self, query):
        """Rows of a SELECT as a list of dicts, from either backend (read-only use)."""
        if BACKEND == "sqlite":
            con = sqlite3.connect("file:%s?mode=ro" % self.db_url, uri=True, timeout=10)
            try:
                cur = con.execute(query)
                cols = [d[0] for d in cur.description]
                return [dict(zip(cols, row)) for row in cur.fetchall()]
            finally:
                con.close()
        wrapped = "SELECT row_to_json(q)::text FROM (%s) q" % query
        p = subprocess.run(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-d", self.db_url, "-c", wrapped],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise AssertionError("psql: %s" % p.stderr.strip())
        return [jsonlib.loads(line) for line in p.stdout.splitlines() if line.strip()]

    def sql_value(self, query):
        rows = self.sql(query)
        return next(iter(rows[0].values())) if rows else None

    def account(self, username):
        rows = self.sql("SELECT * FROM accounts WHERE username = %s" % sql_str(username))
        assert rows, "no account %s in the database" % username
        return rows[0]

    def unit(self, code):
        rows = self.sql("SELECT * FROM units WHERE code = %s" % sql_str(code))
        assert rows, "no unit %s in the database" % code
        return rows[0]

    def audit(self, where="1=1"):
        return self.sql("SELECT * FROM audit WHERE %s ORDER BY id" % where)

    def wait_opac_sync(self):
        """The OPAC's sync thread attaches new records to their works and counts loans into
        biblios a second or so after they are written (src/opac/sync.c): wait until it has caught
        up, so a before/after comparison of biblios sees only what the test did."""
        for _ in range(int(slow(400))):
            pending = self.sql_value("SELECT COUNT(*) FROM biblios WHERE work_sync = 1")
            seen = self.sql_value("SELECT value FROM opac_state WHERE name = 'loans_seen'")
            last = self.sql_value("SELECT COALESCE(MAX(id), 0) FROM loans")
            if pending == 0 and seen >= last:
                return
            time.sleep(0.05)
        raise AssertionError("the OPAC sync did not catch up")

    def db_snapshot(self, sessions=False, audit_ignore=(), extra=()):
        """Every row of units, accounts, audit (and sessions when asked, and the tables in extra),
        each table a sorted list of tuples, so a test can assert that nothing changed.
        audit_ignore: action prefixes whose audit rows are left out (e.g. ("login.", "logout")
        for the traces of logging in). With biblios among them, the OPAC's sync is let catch up
        first (wait_opac_sync)."""
        snap = {}
        tables = ["units", "accounts", "audit"] + (["sessions"] if sessions else []) + list(extra)
        if "biblios" in tables:
            self.wait_opac_sync()
        if BACKEND == "sqlite":
            by_table = {t: self.sql("SELECT * FROM %s" % t) for t in tables}
        else:   # one psql run for all tables: each start of psql costs tens of milliseconds
            by_table = {t: [] for t in tables}
            union = " UNION ALL ".join("SELECT '%s' AS t, row_to_json(x)::text AS r FROM %s x" % (t, t) for t in tables)
            for row in self.sql(union):
                by_table[row["t"]].append(jsonlib.loads(row["r"]))
        for t in tables:
            rows = by_table[t]
            if t == "audit" and audit_ignore:
                rows = [r for r in rows if not any(r["action"].startswith(p) for p in audit_ignore)]
            snap[t] = sorted((tuple(r.values()) for r in rows), key=repr)
        return snap


def snapshot_diff(before, after):
    """A readable description of what changed between two db_snapshot()s ('' when nothing)."""
    out = []
    for t in before:
        b, a = set(before[t]), set(after.get(t, []))
        for row in sorted(b - a, key=repr)[:5]:
            out.append("%s: row gone or changed: %r" % (t, row))
        for row in sorted(a - b, key=repr)[:5]:
            out.append("%s: row new or changed: %r" % (t, row))
    return "\n".join(out)


def assert_unchanged(before, after, what="the request"):
    d = snapshot_diff(before, after)
    assert not d, "%s changed the database:\n%s" % (what, d)


def reap():
    """Kill servers a failed test left running; returns their names."""
    names = []
    for s in list(_live):
        names.append(s.name)
        s.kill()
    return names


atexit.register(reap)


# --- the client --------------------------------------------------------------------------------

class Response:
    def __init__(self, status, reason, headers, body, version=11):
        self.status = status
        self.reason = reason
        self.headers = headers          # list of (name, value), as received
        self.body = body                # bytes
        self.version = version

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        try:
            return jsonlib.loads(self.body.decode("utf-8"))
        except ValueError as e:
            raise AssertionError("not JSON (%s), status %d: %r" % (e, self.status, self.body[:300]))

    def __repr__(self):
        return "<%d %s %r>" % (self.status, self.header("Content-Type"), self.body[:200])


def describe(r):
    return "%d %s %s" % (r.status, r.header("Content-Type", ""), r.text[:400].replace("\n", " "))


def expect_status(r, *statuses):
    assert r.status in statuses, "expected status %s, got %s" % (" or ".join(map(str, statuses)), describe(r))
    return r


def expect_error(r, status, code=None):
    """A JSON error answer: {"error":{"status","code","title","message"[,"detail"]}}."""
    expect_status(r, status)
    ct = r.header("Content-Type", "")
    assert ct.startswith("application/json"), "error not JSON: %s" % describe(r)
    e = r.json().get("error")
    assert isinstance(e, dict), "no error object: %s" % describe(r)
    assert e.get("status") == status, "error.status %r != %d" % (e.get("status"), status)
    for k in ("code", "title", "message"):
        assert isinstance(e.get(k), str) and e[k], "error.%s missing or empty: %r" % (k, e)
    if code:
        assert e["code"] == code, "error code %r, expected %r (%s)" % (e["code"], code, e)
    return e


def expect_redirect(r, location=None):
    """A redirect: 303 with Location for browsers, 200 {"ok":true,"location"} for JSON clients."""
    if r.status == 303:
        got = r.header("Location")
    else:
        expect_status(r, 200)
        j = r.json()
        assert j.get("ok") is True, "no ok:true in %s" % describe(r)
        got = j.get("location")
    assert got, "redirect without a location: %s" % describe(r)
    if location is not None:
        if hasattr(location, "search"):
            assert location.search(got), "redirected to %r, expected /%s/" % (got, location.pattern)
        else:
            assert got == location, "redirected to %r, expected %r" % (got, location)
    return got


def parse_set_cookie(v):
    """'n=v; Path=/; HttpOnly' -> ('n', 'v', {'path': '/', 'httponly': True})."""
    parts = [p.strip() for p in v.split(";")]
    name, _, value = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        k, eq, val = p.partition("=")
        attrs[k.strip().lower()] = val.strip() if eq else True
    return name.strip(), value.strip(), attrs


def form_encode(fields):
    if isinstance(fields, (bytes, str)):
        return fields.encode() if isinstance(fields, str) else fields
    items = fields.items() if isinstance(fields, dict) else fields
    return urllib.parse.urlencode([(k, v) for k, v in items if v is not None]).encode()


class Client:
    """An HTTP client with a cookie jar, speaking JSON by default (json=False: like a browser).

    Each request opens a connection (keep=True reuses one)."""

    def __init__(self, srv, json=True, keep=False):
        self.srv = srv
        self.json_default = json
        self.cookies = {}
        self.csrf = None
        self.keep = keep
        self._conn = None
        self.user = None

    def _connection(self, timeout):
        if self.keep:
            if self._conn is None:
                self._conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=timeout)
            return self._conn
        return http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, json=None, content_type=None, timeout=30):
        json = self.json_default if json is None else json
        h = {"Accept": "application/json" if json else "text/html,application/xhtml+xml"}
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if body is not None:
            h["Content-Type"] = content_type or "application/x-www-form-urlencoded"
        for k, v in (headers or {}).items():
            if v is None:
                h.pop(k, None)
            else:
                h[k] = v
        conn = self._connection(slow(timeout))
        try:
            conn.request(method, path, body=body, headers=h)
            resp = conn.getresponse()
            data = resp.read()
        except Exception:
            conn.close()
            self._conn = None
            raise
        r = Response(resp.status, resp.reason, resp.getheaders(), data, resp.version)
        if not self.keep:
            conn.close()
        for v in r.header_all("Set-Cookie"):
            name, value, attrs = parse_set_cookie(v)
            if attrs.get("max-age") == "0" or value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return r

    def get(self, path, json=None, headers=None, query=None):
        if query:
            path += ("&" if "?" in path else "?") + urllib.parse.urlencode(query)
        return self.request("GET", path, json=json, headers=headers)

    def post(self, path, fields=None, json=None, csrf=True, headers=None, content_type=None):
        """POST a form. csrf=True adds this session's token as the csrf field (when logged in),
        a string sends that token, False sends none."""
        items = list(fields.items()) if isinstance(fields, dict) else list(fields or [])
        if csrf is True and self.csrf:
            items.append(("csrf", self.csrf))
        elif isinstance(csrf, str):
            items.append(("csrf", csrf))
        return self.request("POST", path, body=form_encode(items), headers=headers, json=json,
                            content_type=content_type)

    def login(self, username, password=PASSWORD):
        """Log in as JSON; asserts success and returns the CSRF token (also kept in self.csrf)."""
        r = self.request("POST", "/login", body=form_encode({"username": username, "password": password}),
                         json=True)
        assert r.status == 200, "login as %s failed: %s" % (username, describe(r))
        j = r.json()
        assert j.get("ok") is True and j.get("csrf"), "login as %s: unexpected answer %r" % (username, j)
        assert "tv_session" in self.cookies, "login as %s set no tv_session cookie" % username
        self.csrf = j["csrf"]
        self.user = username
        self.login_answer = j
        return self.csrf

    def login_form(self, username, password=PASSWORD, next=None):
        """Log in as a browser does (form POST, 303); reads the CSRF token from the page it lands
        on. Returns the Location the login redirected to."""
        r = self.request("POST", "/login", body=form_encode({"username": username, "password": password,
                                                              "next": next}), json=False)
        assert r.status == 303, "browser login as %s failed: %s" % (username, describe(r))
        loc = r.header("Location")
        page = self.request("GET", loc, json=False)
        self.csrf = csrf_of(page.text)
        self.user = username
        return loc

    def close(self):
        if self._conn:
            self._conn.close()
            self._conn = None


def csrf_of(html):
    """The CSRF token a page carries (<meta name="csrf-token">), or None."""
    m = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    return m.group(1) if m else None


def logged_in(srv, username, password=PASSWORD, json=True):
    c = Client(srv, json=json)
    c.login(username, password)
    return c


# --- raw sockets, for what http.client will not send ------------------------------------------

class Raw:
    """What came back on a raw connection: the bytes, the parsed status (None when nothing came),
    and whether the server closed the connection."""

    def __init__(self, data, closed, reset, elapsed):
        self.data = data
        self.closed = closed
        self.reset = reset
        self.elapsed = elapsed
        self.status = None
        self.headers = []
        self.body = b""
        m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
        if m:
            self.status = int(m.group(1))
            head, _, self.body = data.partition(b"\r\n\r\n")
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.partition(b":")
                self.headers.append((k.decode("latin-1").strip(), v.decode("latin-1").strip()))

    def header(self, name, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return "<raw status=%s closed=%s reset=%s %.2fs %r>" % (self.status, self.closed, self.reset,
                                                                self.elapsed, self.data[:200])


def raw(srv, chunks, timeout=5, pause=0.0):
    """Send bytes on a fresh connection and read until the server closes it or timeout seconds
    pass without data. chunks: bytes, or a list of bytes sent pause seconds apart (or of (bytes,
    pause) pairs); sending stops as soon as the server answers, as a careful client would."""
    if isinstance(chunks, bytes):
        chunks = [chunks]
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=slow(timeout))
    t0 = time.time()
    data, closed, reset = b"", False, False
    try:
        for c in chunks:
            c, wait = c if isinstance(c, tuple) else (c, pause)
            try:
                s.sendall(c)
            except OSError:
                reset = True
                break
            r, _, _ = select.select([s], [], [], wait)
            if r:
                break
        s.settimeout(slow(timeout))
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            except OSError:
                reset = True
                break
            if not b:
                closed = True
                break
            data += b
            # A complete answer on a kept-alive connection: stop waiting.
            head, sep, body = data.partition(b"\r\n\r\n")
            m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            if sep and m and len(body) >= int(m.group(1)) and not re.search(rb"(?im)^connection:\s*close", head):
                break
    finally:
        s.close()
    return Raw(data, closed or reset, reset, time.time() - t0)


def healthy(srv):
    """Does the server still answer /healthz with 200 {"status":"ok"}?"""
    try:
        r = Client(srv).get("/healthz")
        return r.status == 200 and r.json().get("status") == "ok"
    except Exception:
        return False


def assert_healthy(srv, after=""):
    assert healthy(srv), "the server no longer answers /healthz%s; log tail:\n%s" % (
        " after " + after if after else "", srv.log()[-1500:])


def json_find(items, **kv):
    """The first dict of a list whose keys have the given values (AssertionError when none)."""
    for it in items:
        if all(it.get(k) == v for k, v in kv.items()):
            return it
    raise AssertionError("no item with %r among %d" % (kv, len(items)))


def known_limitation(why):
    """Mark a test that fails because of a limit outside our code (say, of the packaged
    libmicrohttpd); run.py reports its failure as expected and its success as a failure."""
    def mark(f):
        f.known_limitation = why
        return f
    return mark


# Uploads -------------------------------------------------------------------------------------------

def multipart(fields, files, boundary=None):
    """(content type, body) of a multipart/form-data body: fields {name: str}, files {name:
    (filename, bytes)}."""
    b = boundary or "----thuvien" + uuid.uuid4().hex
    out = []
    for k, v in fields.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n" % (b, k)).encode() +
                   v.encode() + b"\r\n")
    for k, (fn, data) in files.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                    "Content-Type: application/octet-stream\r\n\r\n" % (b, k, fn)).encode() + data + b"\r\n")
    out.append(("--%s--\r\n" % b).encode())
    return "multipart/form-data; boundary=%s" % b, b"".join(out)


def upload(c, data, filename="list.mrc", csrf=True, json=None, headers=None, path="/catalog/import", **fields):
    f = {k: str(v) for k, v in fields.items()}
    if csrf is True and c.csrf:
        f["csrf"] = c.csrf
    ct, body = multipart(f, {"file": (filename, data)})
    return c.request("POST", path, body=body, content_type=ct, json=json, headers=headers)


# Writing into the database -------------------------------------------------------------------------

def sql_write(srv, statement):
    """Run one write statement (an INSERT ... RETURNING, an UPDATE) on either backend, for data no
    page makes yet; returns the first column of its rows. Server.sql is read-only."""
    if BACKEND == "sqlite":
        con = sqlite3.connect(srv.db_url, timeout=10)
        try:
            rows = [r[0] for r in con.execute(statement).fetchall()]
            con.commit()
            return rows
        finally:
            con.close()
    p = subprocess.run(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-d", srv.db_url, "-c", statement],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError("psql: %s" % p.stderr.strip())
    return [line for line in p.stdout.splitlines() if line.strip()]


# A real XLSX reader for downloads: openpyxl from Debian (python3-openpyxl, installed by
# scripts/install-deps.sh). The test runner's Python may be another one (pyenv), so the workbook is
# read by Debian's /usr/bin/python3 in a child process and comes back as JSON.
_XLSX_READER = r"""
import datetime, json, sys
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1], data_only=True)
out = []
for ws in wb.worksheets:
    rows = []
    for row in ws.iter_rows():
        cells = []
        for c in row:
            v = c.value
            if isinstance(v, datetime.datetime):
                v = {"date": v.date().isoformat()} if v.time() == datetime.time(0) else {"datetime": v.isoformat()}
            elif isinstance(v, datetime.date):
                v = {"date": v.isoformat()}
            cells.append(v)
        rows.append(cells)
    out.append({"name": ws.title, "rows": rows})
json.dump(out, sys.stdout)
"""


def xlsx_read(data):
    """Every sheet of the workbook `data` (bytes), read by openpyxl: [{"name", "rows"}], each row a
    list of cell values typed as Excel has them: None, str, int/float, bool, and {"date": iso}
    for a date cell. Fails the test when openpyxl cannot read the file."""
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        p = subprocess.run(["/usr/bin/python3", "-c", _XLSX_READER, path], capture_output=True,
                           text=True, timeout=60)
        assert p.returncode == 0, "openpyxl could not read the workbook: " + p.stderr[-2000:]
        return jsonlib.loads(p.stdout)
    finally:
        os.unlink(path)
