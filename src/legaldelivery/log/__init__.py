"""The evidence log: signed, hash-chained entries committed in a Merkle tree, and their stores."""

from legaldelivery.log.batching import BatchingWriter
from legaldelivery.log.entry import (
    ENTRY_FORMAT,
    GENESIS_PREV,
    MAX_ENTRY_BYTES,
    LogEntry,
    build_entry,
    entry_hash,
)
from legaldelivery.log.evidencelog import Clock, EvidenceLog, system_clock
from legaldelivery.log.jsonl import JsonlSettings, JsonlStore, TornTail, import_jsonl, recover
from legaldelivery.log.memory import MemoryStore
from legaldelivery.log.sqlite import SqliteSettings, SqliteStore
from legaldelivery.log.store import AppendBatch, EntryStore, Head, NodeKey

__all__ = [
    "ENTRY_FORMAT",
    "GENESIS_PREV",
    "MAX_ENTRY_BYTES",
    "AppendBatch",
    "BatchingWriter",
    "Clock",
    "EntryStore",
    "EvidenceLog",
    "Head",
    "JsonlSettings",
    "JsonlStore",
    "LogEntry",
    "MemoryStore",
    "NodeKey",
    "SqliteSettings",
    "SqliteStore",
    "TornTail",
    "build_entry",
    "entry_hash",
    "import_jsonl",
    "recover",
    "system_clock",
]
