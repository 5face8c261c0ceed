"""Checks that every locked dependency can be built by the workspace's MSRV.

Reads `cargo metadata --all-features --locked` on stdin: the whole locked
graph, every feature, every target platform, dev-dependencies and the xtask
included. Fails when a package declares a `rust-version` newer than the
workspace's; packages that declare none are counted (the check cannot judge
them). This proves the locked dependency set does not *require* a newer
compiler than we claim; it does not prove that the code compiles with it
(only that compiler can).
"""

import json
import sys


def version(text):
    """'1.88' or '1.88.0' -> (1, 88, 0)."""
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def main():
    metadata = json.load(sys.stdin)
    members = set(metadata["workspace_members"])
    ours = [p for p in metadata["packages"] if p["id"] in members]
    msrv_text = min((p["rust_version"] for p in ours), key=version)
    if any(p["rust_version"] is None for p in ours):
        sys.exit("a workspace member declares no rust-version")
    msrv = version(msrv_text)

    dependencies = [p for p in metadata["packages"] if p["id"] not in members]
    too_new = sorted(
        f"{p['name']} {p['version']} needs Rust {p['rust_version']}"
        for p in dependencies
        if p["rust_version"] and version(p["rust_version"]) > msrv
    )
    undeclared = sum(1 for p in dependencies if not p["rust_version"])
    print(
        f"    {len(dependencies)} locked packages checked against rust-version "
        f"{msrv_text}; {undeclared} declare none"
    )
    if too_new:
        print("    newer than the MSRV:")
        for line in too_new:
            print(f"      {line}")
        sys.exit(1)


if __name__ == "__main__":
    main()
