"""Curtois Employee Shift Scheduling Benchmark: objective, bound, time and ratio to best-known.

    python bench/rota_curtois.py [--seconds S] [--workers W] [--json] [--solutions DIR]
                                 [--best-known N] FILE...
    python bench/rota_curtois.py --synthetic STAFF,DAYS,SHIFTS [--seconds S]
    add --peer to run the plain CP-SAT model of ``rota_curtois_peer.py`` on each instance with the
    same seconds and workers: its objective, first roster time and ``vs_peer`` (engine / peer,
    below 1 when the engine is ahead) are printed next to the engine's.

Best-known values come from the README.md table next to the instance files, or --best-known.
Every roster is verified by the independent checker (``check_roster``); a checker failure or an
objective mismatch makes the script exit with status 1.

Figures (2-core machine shared with other sessions running test suites, load average 5-9,
2 workers), ea29261, ``--seconds 60 --peer Instance*.txt --synthetic 100,182,6``:

    instance   engine  best   ratio   first s  peer   vs_peer
    Instance1     607   607   1.000   0.03      607   1.000
    Instance2     828   828   1.000   0.03      828   1.000
    Instance3    1001  1001   1.000   0.06     1003   0.998
    Instance4    1723  1716   1.004   0.29     1727   0.998
    Instance5    1243  1143   1.088   0.30     1258   0.988
    Instance6    2055  1950   1.054   0.66     2358   0.872
    Instance7    1169  1056   1.107   0.39     1205   0.970
    Instance8    2053  1300   1.579   1.17     2260   0.908
    Instance9     804   439   1.831   0.33      553   1.454  (behind the peer)
    Instance10   5120  4631   1.106   1.95     5312   0.964
    Instance11   3785  3443   1.099   2.04     4272   0.886
    100x182x6   93126     -       -   0.78   358151   0.260  (peer's first roster at 47.7 s)
    150x364x8  305084     -       -   2.01        -       -  (the peer: no roster in 60 s)

Before (8a20d64, 10 s, same machine): Instance8 10625, Instance10 14862, Instance11 7077, the
objective reported disagreeing with the roster's on Instance8 and Instance10.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _rota_common import print_json, print_table  # noqa: E402
from pimm.engine.rota.curtois import (  # noqa: E402
    check_roster,
    parse_instance,
    read_best_known,
    read_instance,
    solve_instance,
    synthetic_instance,
)
from rota_curtois_peer import solve_peer  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("files", nargs="*")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--solutions", type=Path)
    ap.add_argument("--best-known", type=int, action="append", default=[])
    ap.add_argument("--peer", action="store_true", help="also run the plain CP-SAT peer")
    ap.add_argument("--synthetic", action="append", default=[], help="STAFF,DAYS,SHIFTS[,SEED]")
    args = ap.parse_args(argv)
    instances = []
    for i, f in enumerate(args.files):
        path = Path(f)
        readme = path.parent / "README.md"
        best = read_best_known(readme).get(path.stem) if readme.exists() else None
        if i < len(args.best_known):
            best = args.best_known[i]
        instances.append((read_instance(path), best))
    for spec in args.synthetic:
        parts = [int(v) for v in spec.split(",")]
        text = synthetic_instance(*parts)
        instances.append((parse_instance(text, f"synthetic_{'x'.join(map(str, parts))}"), None))
    if not instances:
        ap.error("give instance files or --synthetic")
    rows, ok = [], True
    for inst, best in instances:
        res = solve_instance(inst, args.seconds, args.workers)
        errors, recomputed = check_roster(inst, res.roster) if res.feasible else ([], None)
        if errors or (res.feasible and recomputed != res.objective):
            ok = False
            print(f"{inst.name}: checker {errors[:5]} recomputed {recomputed}", file=sys.stderr)
        row = {
            "instance": inst.name,
            "feasible": res.feasible,
            "objective": res.objective,
            "bound": round(res.bound, 1) if res.feasible else None,
            "seconds": round(res.seconds, 2),
            "first_solution_s": round(res.first_solution_seconds, 2)
            if res.first_solution_seconds is not None
            else None,
            "best_known": best,
            "ratio": round(res.objective / best, 4) if best and res.objective is not None else None,
            "optimal": res.optimal,
            "checker": "ok" if not errors else f"{len(errors)} violations",
            "staff": len(inst.staff),
            "days": inst.horizon,
        }
        if args.peer:
            peer = solve_peer(inst, args.seconds, args.workers)
            p_errors, p_value = check_roster(inst, peer.roster) if peer.feasible else ([], None)
            if p_errors:
                ok = False
                print(f"{inst.name}: peer checker {p_errors[:5]}", file=sys.stderr)
            # the peer's roster is what counts: CP-SAT's own value of a solution cut by the time
            # limit may count slack its cover variables did not need (under and over at once)
            row["peer_objective"] = p_value if peer.feasible else None
            row["peer_first_s"] = (
                round(peer.first_solution_seconds, 2) if peer.first_solution_seconds else None
            )
            row["vs_peer"] = (
                round(res.objective / p_value, 4)
                if res.objective is not None and peer.feasible and p_value
                else None
            )
        rows.append(row)
        if args.json:
            print_json(row)
        if args.solutions and res.feasible:
            args.solutions.mkdir(parents=True, exist_ok=True)
            with open(args.solutions / f"{inst.name}.csv", "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(["employee", "day", "shift"])
                for (e, d), s in sorted(res.roster.items(), key=lambda t: (t[0][0], t[0][1])):
                    w.writerow([e, d, s])
    if not args.json:
        cols = ["instance", "staff", "days", "feasible", "objective", "bound", "best_known",
                "ratio", "seconds", "first_solution_s", "checker"]  # fmt: skip
        if args.peer:
            cols += ["peer_objective", "peer_first_s", "vs_peer"]
        print_table(rows, cols)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
