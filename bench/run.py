"""Run every benchmark, bench/bench_*.py, one after the other (`make bench`)."""
import subprocess
import sys
from pathlib import Path


def main():
    """Run each script with this interpreter; exit 1 if any of them failed."""
    failed = []
    for script in sorted(Path(__file__).resolve().parent.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        if subprocess.run([sys.executable, str(script)]).returncode != 0:
            failed.append(script.name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
