"""RFC 6962 / RFC 9162 Merkle trees over SHA-256: hashing, proofs, verification.

Pure functions and one small incremental tree: no I/O and no clock. Proofs can be built
from raw leaf data or, in ``O(log n)`` reads, from the stored hashes of perfect subtrees.

>>> leaves = [b"first entry", b"second entry", b"third entry"]
>>> root = root_hash(leaves)
>>> proof = inclusion_proof(leaves, 2, 3)
>>> verify_inclusion(leaf_hash(b"third entry"), 2, 3, proof, root)
>>> verify_inclusion(leaf_hash(b"forged entry"), 2, 3, proof, root)
Traceback (most recent call last):
...
legaldelivery.errors.ProofError: root: the proof leads to root ...

**Who is at fault.** Generating functions raise :class:`~legaldelivery.errors.InputError`
for any bad argument. Verifying functions raise :class:`~legaldelivery.errors.InputError`
only when an argument has the wrong *type* (a string where a hash or a number belongs: the
caller has not decoded the evidence yet); every value of the right type that does not
verify -- a negative or huge size or index, a hash of the wrong length, a proof that is
too long, too short or simply wrong, sizes in the wrong order -- raises
:class:`~legaldelivery.errors.ProofError`, because whoever supplied the evidence controls
all of those.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

# The code lives in three private modules, each readable on its own: hashing and roots,
# proofs (plans, building, verification), and the incremental trees. This module is the
# public face; import from here.
from legaldelivery._merkle_hashes import (
    EMPTY_ROOT,
    HASH_SIZE,
    MAX_TREE_SIZE,
    GetNode,
    NodeHash,
    NodeId,
    leaf_hash,
    node_hash,
    root_hash,
)
from legaldelivery._merkle_proofs import (
    ProofPlan,
    consistency_proof,
    consistency_proof_from_nodes,
    consistency_proof_plan,
    frontier_nodes,
    inclusion_proof,
    inclusion_proof_from_nodes,
    inclusion_proof_plan,
    root_from_inclusion_proof,
    root_from_nodes,
    verify_consistency,
    verify_inclusion,
)
from legaldelivery._merkle_trees import MerkleAccumulator, MerkleTree

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MAX_TREE_SIZE",
    "GetNode",
    "MerkleAccumulator",
    "MerkleTree",
    "NodeHash",
    "NodeId",
    "ProofPlan",
    "consistency_proof",
    "consistency_proof_from_nodes",
    "consistency_proof_plan",
    "frontier_nodes",
    "inclusion_proof",
    "inclusion_proof_from_nodes",
    "inclusion_proof_plan",
    "leaf_hash",
    "node_hash",
    "root_from_inclusion_proof",
    "root_from_nodes",
    "root_hash",
    "verify_consistency",
    "verify_inclusion",
]
