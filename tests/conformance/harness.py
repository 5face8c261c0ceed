"""Tiny check harness shared by the conformance scripts.

Each script reads the emulator address from EMULATOR_BASE_URL and the key from
EMULATOR_API_KEY, records named checks, prints one PASS/FAIL line per check
and exits non-zero if any failed.
"""

import os
import re
import sys
import traceback

BASE_URL = os.environ["EMULATOR_BASE_URL"]
API_KEY = os.environ["EMULATOR_API_KEY"]
RUN_ID = re.compile(r"^trun_[0-9a-f]{32}$")
GROUP_ID = re.compile(r"^tgrp_[0-9a-f]+$")

_passed = 0
_failed = 0


def check(name, condition, detail=""):
    """Record one check."""
    global _passed, _failed
    if condition:
        _passed += 1
        print(f"PASS {name}")
    else:
        _failed += 1
        print(f"FAIL {name} {detail}")


def raises(name, exc_type, fn):
    """Check that fn() raises exc_type; returns the exception."""
    try:
        fn()
    except exc_type as e:  # noqa: PERF203
        check(name, True)
        return e
    except Exception as e:  # pragma: no cover - reported as a failure
        check(name, False, f"raised {type(e).__name__}: {e}")
        return None
    check(name, False, "did not raise")
    return None


def run(main):
    """Run main(), turning an unexpected exception into a failed check; exit with the result."""
    try:
        main()
    except Exception:
        traceback.print_exc()
        check(f"{main.__module__}: no unexpected exception", False)
    print(f"RESULT passed={_passed} failed={_failed}")
    sys.exit(1 if _failed else 0)
