#!/usr/bin/env python3
"""cargo, as `cargo lambda watch` should see this workspace: only the API's
functions.

cargo lambda watch (1.9) serves every binary target of the workspace that
`cargo metadata` lists, so the bench, its floors and the admin tool would
be served as functions too, and named in every "available functions" list.
It runs `cargo metadata` through $CARGO (the cargo_metadata crate's rule),
so scripts/serve points $CARGO here: `metadata` answers with the packages
under functions/ and examples/ alone (Sessionless's functions, and a
team's own built on it); every other command is the real cargo, unchanged
($SESSIONLESS_REAL_CARGO).
"""
import json
import os
import subprocess
import sys

real_cargo = os.environ["SESSIONLESS_REAL_CARGO"]
arguments = sys.argv[1:]
if arguments[:1] != ["metadata"]:
    os.execv(real_cargo, [real_cargo, *arguments])

metadata = json.loads(subprocess.run([real_cargo, *arguments], check=True, stdout=subprocess.PIPE).stdout)
folders = tuple(os.path.join(metadata["workspace_root"], folder, "") for folder in ("functions", "examples"))
metadata["packages"] = [p for p in metadata["packages"] if p["manifest_path"].startswith(folders)]
kept = {p["id"] for p in metadata["packages"]}
for members in ("workspace_members", "workspace_default_members"):
    if members in metadata:
        metadata[members] = [id for id in metadata[members] if id in kept]
json.dump(metadata, sys.stdout)
