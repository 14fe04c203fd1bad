"""Make sure Debian's Chromium is there for the browser tests (never `playwright install`).

Installs it with apt-get when we are root and it is missing; otherwise explains what to do.
"""

import os
import shutil
import subprocess
import sys

if shutil.which("chromium") or os.path.exists("/usr/bin/chromium"):
    sys.exit(0)
if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdin=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "chromium"],
        check=True,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    sys.exit(0)
sys.exit("Browser tests need Debian's chromium: run `sudo apt-get install -y chromium`.")
