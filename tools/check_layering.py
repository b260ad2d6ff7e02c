#!/usr/bin/env python3
"""Fails when a file includes across a forbidden layer edge (docs/architecture.md).

A file under src/<m>/ or include/weft/<m>/ may include weft headers of <m> itself and of the
modules the table allows; public headers (include/weft/) may not include OS headers.
"""
import pathlib
import re
import sys

ALLOWED = {
    "base": set(),
    "defer": {"base"},
    "poller": {"base"},
    "internet": {"base", "defer"},
    "reactor": {"base", "defer", "internet", "poller"},
    "transport": {"base", "defer", "internet"},
    "tls": {"base", "defer", "internet"},
    "process": {"base", "defer", "internet"},
    "threads": {"base", "defer", "internet"},
    "names": {"base", "defer", "internet"},
    "protocols": {"base", "defer", "internet"},
    "application": {"base", "defer", "internet"},
    "testing": {"base", "defer", "internet"},
    "posix_reactor": None,  # composition root: anything
}
OS_HEADERS = re.compile(r"#include\s*<(sys/|netinet/|arpa/|unistd\.h|poll\.h|fcntl\.h|openssl/|signal\.h|netdb\.h)")
INCLUDE = re.compile(r'#include\s*"([^"]+)"')


def module_of(include: str):
    parts = include.split("/")
    if parts[0] == "weft" and len(parts) > 2:
        return parts[1]
    if parts[0] == "weft":
        return "umbrella"
    if len(parts) > 1:
        return parts[0]
    return None


def main(root: pathlib.Path) -> int:
    errors = []
    for path in list((root / "src").rglob("*")) + list((root / "include" / "weft").rglob("*")):
        if path.suffix not in (".h", ".cc"):
            continue
        rel = path.relative_to(root).parts
        mod = rel[1] if rel[0] == "src" else (rel[2] if len(rel) > 3 else "umbrella")
        text = path.read_text(errors="replace")
        if rel[0] == "include" and OS_HEADERS.search(text):
            errors.append(f"{path}: public header includes an OS header")
        allowed = ALLOWED.get(mod)
        if mod == "umbrella" or allowed is None:
            continue
        is_test = path.name.endswith("_test.cc")
        for inc in INCLUDE.findall(text):
            target = module_of(inc)
            if target is None or target == mod:
                continue
            if is_test:
                continue  # unit tests may use the test kit and the composition root
            if target not in allowed:
                errors.append(f"{path}: {mod} may not include {inc} ({target})")
    for e in errors:
        print(e)
    print(f"layering: {len(errors)} violation(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")))
