"""The evidence log: signed, hash-chained entries committed in a Merkle tree, and their stores."""

from legaldelivery.log.entry import ENTRY_FORMAT, GENESIS_PREV, LogEntry, build_entry, entry_hash
from legaldelivery.log.evidencelog import Clock, EvidenceLog, system_clock
from legaldelivery.log.memory import MemoryStore
from legaldelivery.log.store import AppendBatch, EntryStore, Head, NodeKey

__all__ = [
    "ENTRY_FORMAT",
    "GENESIS_PREV",
    "AppendBatch",
    "Clock",
    "EntryStore",
    "EvidenceLog",
    "Head",
    "LogEntry",
    "MemoryStore",
    "NodeKey",
    "build_entry",
    "entry_hash",
    "system_clock",
]
