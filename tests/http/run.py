#!/usr/bin/env python3
"""run.py: thuvien's HTTP test runner, a small one of our own.

Runs every function named test_* of tests/http/test_*.py, in file order, against a real server
(see harness.py). Each module may define setup_module() (start its shared servers, kept in module globals) and
teardown_module() (stop them; a failure there, such as a non-zero exit status or a sanitizer
report, counts as a failed test). Prints `ok NAME` or `not ok NAME` with the reason, then a summary
line `http (BACKEND): N passed, M failed`; exits 1 when anything failed. A test marked
@harness.known_limitation(WHY) is expected to fail (a limit of a library we use, named in WHY);
its passing is reported as a failure, so the marker goes when the limitation does.

    tests/http/run.py                      # every test, SQLite
    tests/http/run.py -k lockout           # tests whose name contains "lockout"
    tests/http/run.py test_auth.py -v      # one file, with tracebacks
    THUVIEN_TEST_BACKEND=postgresql THUVIEN_PG_DIR=/tmp/pg tests/http/run.py

With THUVIEN_TEST_BACKEND=postgresql and no THUVIEN_PG_DIR, a throwaway cluster is started with
scripts/pg-cluster.sh and stopped at the end.
"""
import argparse
import glob
import importlib.util
import inspect
import os
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def reason(exc, verbose):
    """The message of a failure: the assertion's text, or the exception and where it happened."""
    if verbose:
        return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip()
    tb = traceback.extract_tb(exc.__traceback__)
    where = ""
    for fr in reversed(tb):
        if os.path.basename(fr.filename).startswith("test_"):
            where = " (%s:%d)" % (os.path.basename(fr.filename), fr.lineno)
            break
    if isinstance(exc, AssertionError):
        msg = str(exc) or "assertion failed: %s" % (tb[-1].line if tb else "?")
        return msg + where
    return "%s: %s%s" % (type(exc).__name__, exc, where)


def indent(text):
    return "\n".join("#   " + line for line in text.splitlines())


def load(path):
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return name, mod


def tests_of(mod):
    fns = [(n, f) for n, f in vars(mod).items()
           if n.startswith("test_") and inspect.isfunction(f) and f.__module__ == mod.__name__]
    return sorted(fns, key=lambda nf: nf[1].__code__.co_firstlineno)


def main():
    ap = argparse.ArgumentParser(description="thuvien's HTTP tests")
    ap.add_argument("-k", dest="substr", action="append", default=[],
                    help="run only tests whose name (module.test) contains SUBSTRING (repeatable)")
    ap.add_argument("-v", "--verbose", action="store_true", help="full tracebacks and timings")
    ap.add_argument("files", nargs="*", help="test files (default: tests/http/test_*.py)")
    args = ap.parse_args()

    sys.path.insert(0, HERE)
    pg_started = None
    backend = (os.environ.get("THUVIEN_TEST_BACKEND") or "sqlite").lower()
    if backend in ("pg", "postgres", "postgresql"):
        backend = "postgresql"
        os.environ["THUVIEN_TEST_BACKEND"] = backend
        if not os.environ.get("THUVIEN_PG_DIR"):
            pg_started = tempfile.mkdtemp(prefix="thuvien-http-pg-", dir="/tmp")
            os.rmdir(pg_started)
            p = subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster.sh"), "start", pg_started],
                               capture_output=True, text=True)
            if p.returncode != 0:
                print("# could not start a PostgreSQL cluster: " + p.stderr.strip())
                print("http (%s): 0 passed, 1 failed" % backend)
                return 1
            os.environ["THUVIEN_PG_DIR"] = pg_started
    import harness  # after the environment is settled: it reads it at import

    files = args.files or sorted(glob.glob(os.path.join(HERE, "test_*.py")))
    passed = failed = 0
    failures = []
    t_start = time.time()

    def report(name, exc, elapsed):
        nonlocal passed, failed
        extra = " (%.1fs)" % elapsed if args.verbose else ""
        if exc is None:
            passed += 1
            print("ok %s%s" % (name, extra), flush=True)
        else:
            failed += 1
            failures.append(name)
            print("not ok %s%s" % (name, extra), flush=True)
            print(indent(reason(exc, args.verbose)), flush=True)

    try:
        for path in files:
            try:
                modname, mod = load(path)
            except Exception as e:   # a syntax error in a test file fails loudly
                report(os.path.basename(path), e, 0)
                continue
            selected = [(n, f) for n, f in tests_of(mod)
                        if not args.substr or any(s in "%s.%s" % (modname, n) for s in args.substr)]
            if not selected:
                continue
            setup_exc = None
            if hasattr(mod, "setup_module"):
                t0 = time.time()
                try:
                    mod.setup_module()
                except Exception as e:
                    setup_exc = e
                    harness.reap()
            for n, f in selected:
                name = "%s.%s" % (modname, n)
                if setup_exc is not None:
                    report(name, AssertionError("setup_module failed: " + reason(setup_exc, False)), 0)
                    continue
                t0 = time.time()
                exc = None
                try:
                    f()
                except Exception as e:
                    exc = e
                # A server the test started and did not stop is killed; the module's shared
                # servers (module globals) live on until teardown_module.
                shared = [v for v in vars(mod).values() if isinstance(v, harness.Server)]
                for s in list(harness._live):
                    if not any(s is x for x in shared):
                        s.kill()
                        if exc is None:
                            exc = AssertionError("test left server %s running" % s.name)
                # A known limitation (harness.known_limitation) is expected to fail: its failure
                # is reported as such, and its passing fails the run, so the marker is removed
                # as soon as the limitation is gone.
                why = getattr(f, "known_limitation", None)
                if why and exc is not None:
                    passed += 1
                    print("ok %s # known limitation: %s" % (name, why), flush=True)
                    continue
                if why:
                    exc = AssertionError("passes now: remove its known_limitation marker (%s)" % why)
                report(name, exc, time.time() - t0)
            if hasattr(mod, "teardown_module") and setup_exc is None:
                t0 = time.time()
                exc = None
                try:
                    mod.teardown_module()
                except Exception as e:
                    exc = e
                report("%s.teardown_module (server stops cleanly)" % modname, exc, time.time() - t0)
            harness.reap()
    except KeyboardInterrupt:
        harness.reap()
        print("# interrupted")
        failed += 1
    finally:
        harness.reap()   # whatever happened (even a closed stdout), leave no server behind
        if pg_started:
            subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster.sh"), "stop", pg_started],
                           capture_output=True)

    print("# %.1f s%s" % (time.time() - t_start, "; failed: " + ", ".join(failures) if failures else ""))
    print("http (%s): %d passed, %d failed" % (backend, passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
