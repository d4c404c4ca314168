#!/usr/bin/python3
"""The numpy peer over a folder of models, in ONE Python process.

usage: batch_peer.py [--peer PEER] SRC_DIR DST_DIR [seed]

Walks SRC_DIR recursively for *.onnx files (sorted by relative path) and, for each one, runs
the unmodified peer script (by default $SHARED/bench/reinit_numpy.py) in this process with
runpy.run_path(peer, run_name="__main__") and sys.argv = [peer, SRC, DST, seed], where
DST = DST_DIR/<path relative to SRC_DIR> (its folders are created first). The imports of onnx
and numpy are paid once, not once per model: this is the fairest batch form of the peer.

The peer script is taken from --peer, else from $PEER, else from ../../shared/bench/
reinit_numpy.py next to this repository (like bench/e2e_bench.sh's $SHARED default).

A model on which the peer raises (or calls sys.exit with a non-zero status) is counted as
failed and the walk goes on. At the end one line goes to stdout:
    batch_peer: N models, K ok, F failed
and exit status is 0 when every model was processed (failures included: they are reported,
not fatal), 2 on a usage error. Run with Debian's /usr/bin/python3 (python3-onnx, python3-numpy).
"""
import os
import runpy
import sys
import traceback


def main(argv):
    args = list(argv[1:])
    peer = os.environ.get("PEER")
    if args and args[0].startswith("--peer"):
        if args[0] == "--peer" and len(args) > 1:
            peer = args[1]
            args = args[2:]
        elif args[0].startswith("--peer="):
            peer = args[0][len("--peer="):]
            args = args[1:]
        else:
            print("usage: batch_peer.py [--peer PEER] SRC_DIR DST_DIR [seed]", file=sys.stderr)
            return 2
    if len(args) not in (2, 3) or args[0] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    src_dir, dst_dir = args[0], args[1]
    seed = args[2] if len(args) == 3 else "0"
    if not peer:
        repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        shared = os.environ.get("SHARED", os.path.join(repo, "..", "shared"))
        peer = os.path.join(shared, "bench", "reinit_numpy.py")
    if not os.path.isfile(peer):
        print(f"batch_peer: peer script not found: {peer}", file=sys.stderr)
        return 2
    if not os.path.isdir(src_dir):
        print(f"batch_peer: not a folder: {src_dir}", file=sys.stderr)
        return 2

    rels = []
    for root, dirs, files in os.walk(src_dir):
        for f in files:
            if f.endswith(".onnx"):
                rels.append(os.path.relpath(os.path.join(root, f), src_dir))
    rels.sort()

    saved_argv = sys.argv
    failed = 0
    for rel in rels:
        src = os.path.join(src_dir, rel)
        dst = os.path.join(dst_dir, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        sys.argv = [peer, src, dst, seed]
        try:
            runpy.run_path(peer, run_name="__main__")
        except SystemExit as e:
            if e.code not in (None, 0):
                failed += 1
                print(f"batch_peer: {rel}: exit status {e.code}", file=sys.stderr)
        except Exception as e:  # noqa: BLE001 -- any failure of the peer on one model
            failed += 1
            last = traceback.format_exception_only(type(e), e)[-1].strip()
            print(f"batch_peer: {rel}: {last[:300]}", file=sys.stderr)
        finally:
            sys.argv = saved_argv
    print(f"batch_peer: {len(rels)} models, {len(rels) - failed} ok, {failed} failed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
