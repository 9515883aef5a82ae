#!/usr/bin/env python3
"""scaffold.py COMPOSE_FILE DIR: a scratch project folder for one corpus file.

The corpus holds only the Compose files, not their folders. DIR gets the file as compose.yaml
plus generated stand-ins for the local files it names, by the rule test/unit/cli/corpus_test.cpp
applies too: a relative bind source or secret/config `file:` whose last path component has a '.'
becomes a small text file ("stand-in for <path>"), anything else a directory holding one small
file (stand-in.txt). Absolute and ~ paths are left alone (hostPath on the cluster).
"""
import os
import shutil
import sys

import yaml


def stand_in(root, rel):
    if not rel or rel.startswith("/") or rel.startswith("~") or "$" in rel:
        return
    path = os.path.normpath(os.path.join(root, rel))
    if os.path.exists(path):
        return
    if "." in os.path.basename(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(f"stand-in for {rel}\n")
    else:
        os.makedirs(path, exist_ok=True)
        with open(os.path.join(path, "stand-in.txt"), "w") as f:
            f.write(f"stand-in for {rel}\n")


def bind_sources(service):
    for v in service.get("volumes") or []:
        if isinstance(v, str):
            src = v.split(":", 1)[0] if ":" in v else ""
            if src.startswith(".") or "/" in src:  # a path, not a named volume
                yield src
        elif isinstance(v, dict) and v.get("type") == "bind":
            yield v.get("source", "")


def main(compose_file, root):
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    shutil.copyfile(compose_file, os.path.join(root, "compose.yaml"))
    doc = yaml.safe_load(open(compose_file)) or {}
    for service in (doc.get("services") or {}).values():
        for src in bind_sources(service or {}):
            stand_in(root, src)
    for top in ("secrets", "configs"):
        for obj in (doc.get(top) or {}).values():
            if isinstance(obj, dict) and "file" in obj:
                stand_in(root, obj["file"])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
