"""`make audit`: pip-audit over the installed dependencies, honest about what it could not check.

pip-audit says "No known vulnerabilities found" even when it could audit nothing (for example
when PyPI's JSON API, which carries the advisories, is not reachable), so this counts the
dependencies actually audited. Exit status: 1 if any known vulnerability was found, 2 if some
dependency could not be audited and AUDIT_STRICT=1, else 0.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def main() -> int:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "--format",
            "json",
            "--skip-editable",
            "--progress-spinner",
            "off",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(completed.stdout)
    except ValueError:
        print(f"pip-audit failed: {completed.stderr.strip()[-500:]}", file=sys.stderr)
        return 1
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = [d for d in dependencies if not d.get("skip_reason")]
    vulnerable = [d for d in audited if d.get("vulns")]
    for dep in vulnerable:
        ids = ", ".join(v["id"] for v in dep["vulns"])
        print(f"VULNERABLE {dep['name']} {dep['version']}: {ids}")
    print(
        f"pip-audit: {len(audited)} of {len(dependencies)} dependencies audited, "
        f"{len(vulnerable)} with known vulnerabilities, {len(skipped)} not audited."
    )
    if skipped:
        reasons = {d["skip_reason"].split(":")[0] for d in skipped}
        print(f"NOT AUDITED ({len(skipped)}): {'; '.join(sorted(reasons))}")
    if vulnerable:
        return 1
    if skipped and os.environ.get("AUDIT_STRICT") == "1":
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
