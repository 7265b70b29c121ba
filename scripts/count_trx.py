"""Sums the outcome counters of every TRX file under a folder and prints `N passed, N failed[, N skipped]`.

Usage: count_trx.py RESULTS_DIR DOTNET_TEST_EXIT_STATUS
Exits non-zero when any test failed, when no test ran, or when dotnet test failed without a failing test
(a crashed test host leaves no failed result behind, so it is counted as one failure and said so).
"""
import pathlib
import sys
import xml.etree.ElementTree as ET

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"


def main() -> int:
    results_dir = pathlib.Path(sys.argv[1])
    dotnet_status = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    passed = failed = skipped = 0
    files = sorted(results_dir.rglob("*.trx")) if results_dir.exists() else []
    for trx in files:
        # Each test's own outcome is the truth: VSTest's Counters leave skipped tests out of notExecuted.
        outcomes = [r.get("outcome", "") for r in ET.parse(trx).getroot().iter(f"{NS}UnitTestResult")]
        if not outcomes:
            print(f"count_trx: {trx} holds no test results", file=sys.stderr)
        for outcome in outcomes:
            if outcome == "Passed":
                passed += 1
            elif outcome == "NotExecuted":
                skipped += 1
            else:  # Failed, Error, Timeout, Aborted, Inconclusive...: anything else is not a pass
                failed += 1
    if dotnet_status != 0 and failed == 0:
        print(f"count_trx: dotnet test exited {dotnet_status} without a failed test result "
              "(a test host crashed or a project failed to run): counted as 1 failure", file=sys.stderr)
        failed = 1
    if passed + failed == 0:
        print("count_trx: no test ran", file=sys.stderr)
        failed = 1
    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
