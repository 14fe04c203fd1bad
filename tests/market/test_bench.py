"""bench/matching.py prints the issue's two lines in their exact format (quick instance).

Figures are not asserted on time: only the shape of the lines, zero constraint violations and
the deterministic (fixed-seed) quality target.
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUALITY = re.compile(
    r"^matching-quality: eta=(\d+\.\d+) fill=(\d+\.\d+) violations=(\d+) "
    r"stake_priority_cost=(-?\d+\.\d+)$"
)
THROUGHPUT = re.compile(r"^matching-throughput: matches_per_s=(\d+) p99_batch_ms=(\d+\.\d+)$")
FAIRNESS = re.compile(r"^matching-fairness: legit_matched_in_rounds=(\d+) matches_per_s=(\d+)$")


def test_matching_bench_prints_the_required_lines_exactly():
    result = subprocess.run(
        [sys.executable, "bench/matching.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    lines = result.stdout.splitlines()
    quality = [m for m in map(QUALITY.match, lines) if m]
    throughput = [m for m in map(THROUGHPUT.match, lines) if m]
    assert len(quality) == 1 and len(throughput) == 1, result.stdout
    # no other line may start like the required ones (a parser greps for these prefixes)
    assert sum(line.startswith("matching-quality") for line in lines) == 1
    assert sum(line.startswith("matching-throughput") for line in lines) == 1
    eta, fill, violations, _ = quality[0].groups()
    assert int(violations) == 0
    assert float(eta) >= 0.95 and 0 < float(fill) <= 1
    assert int(throughput[0].group(1)) > 0
    # issue 15's flood case is the last line: a normal job behind 1,000 unmatchable ones from
    # one wallet is matched in the first round (the old oldest-first selection: never)
    fairness = FAIRNESS.match(lines[-1])
    assert fairness, result.stdout
    assert int(fairness.group(1)) == 1 and int(fairness.group(2)) > 0
    assert "fifo_legit_matched_in_rounds=never_in_3" in result.stdout
