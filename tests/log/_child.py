"""A writer process for the crash and concurrency tests (run as a script, never imported).

Usage: ``python _child.py LOG KEY_PEM MODE COUNT [--wait]``. With ``--wait`` it prints
``waiting`` once its imports are done and waits for one line on stdin (so a parent can
start writers early and release them at once). It then opens the log with the key,
prints ``ready``, and appends records in MODE (``single``, ``many`` or ``batching``) until
COUNT entries are acknowledged (``0``: forever), printing ``<seq> <hash>`` for every entry
only after the call that appended it has returned: a printed line is an acknowledgement.
"""

from __future__ import annotations

import sys
from itertools import cycle, islice


def main(argv: list[str]) -> int:
    from legaldelivery.keys import Ed25519Signer
    from legaldelivery.log import EvidenceLog
    from legaldelivery.log.batching import BatchingWriter
    from legaldelivery.testing.fakes import sample_records

    path, key_path, mode, count_text, *flags = argv
    total = int(count_text)
    with open(key_path, "rb") as key_file:
        signer = Ed25519Signer.from_private_pem_unencrypted_insecure(
            "court.example/crash-test", key_file.read()
        )
    records = cycle(sample_records())
    out = sys.stdout
    if "--wait" in flags:
        out.write("waiting\n")
        out.flush()
        sys.stdin.readline()
    with EvidenceLog.open(path, signer=signer) as log:
        out.write("ready\n")
        out.flush()
        done = 0
        size = 1
        writer = BatchingWriter(log, max_entries=7)
        while total == 0 or done < total:
            if mode == "single":
                entries = [log.append(next(records))]
            elif mode == "many":
                # Batches of 1 to 64 entries: larger writes, more chances of a torn one.
                size = size * 5 % 67
                entries = log.append_many(list(islice(records, min(size, 64))))
            else:
                entries = writer.add(next(records))
            if entries:
                out.write("".join(f"{e.seq} {e.hash}\n" for e in entries))
                out.flush()
            done += len(entries)
        for entry in writer.flush():
            out.write(f"{entry.seq} {entry.hash}\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
