"""A writer that stops in the middle of its append transaction, to be killed there (a script).

Usage: ``python _pg_holder.py URL KEY_PEM WHERE``. It opens the PostgreSQL log at URL as a
writer and starts appending three records; then, depending on WHERE:

* ``prepare`` -- inside the store's write transaction, holding the log's lock, it prints
  ``holding <size>`` and waits for a line on stdin that never comes;
* ``insert`` -- it prints ``appending <size>`` and appends normally; the test has made the
  server pause that INSERT (a trigger that sleeps for this session only).

Either way the parent kills it with SIGKILL while its transaction is open. It never
prints an acknowledgement: nothing it wrote may survive.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from legaldelivery.keys import Ed25519Signer
    from legaldelivery.log import EvidenceLog
    from legaldelivery.log.store import AppendBatch, EntryStore, Head
    from legaldelivery.testing.fakes import sample_records

    url, key_path, where = argv
    with open(key_path, "rb") as key_file:
        signer = Ed25519Signer.from_private_pem_unencrypted_insecure(
            "court.example/crash-test", key_file.read()
        )
    out = sys.stdout
    with EvidenceLog.open(url, signer=signer) as log:
        if where == "prepare":

            def prepare(head: Head, store: EntryStore) -> tuple[AppendBatch, None]:
                out.write(f"holding {head.size}\n")
                out.flush()
                sys.stdin.readline()
                raise SystemExit("released: the test was meant to kill this writer")

            log.store.append_batch(prepare)
        else:
            out.write(f"appending {log.size}\n")
            out.flush()
            log.append_many(sample_records()[:3])
            out.write("acknowledged\n")
            out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
