#!/usr/bin/env python3
"""Check a document against a checkpoint without trusting sohoa.

usage: check-proof.py PROOF.json DOCUMENT.pdf CHECKPOINT

PROOF.json is what `sohoa proof CASE DOCUMENT` (or GET
/v1/cases/{case}/documents/{id}/proof) printed; DOCUMENT.pdf the citizen's
copy; CHECKPOINT a checkpoint note of the same size obtained elsewhere
(published by the agency, pinned by an archivist). Python's standard
library only. Check the checkpoint's signature with the log's public key
separately (any c2sp.org signed-note verifier). Exit 0 when it holds.
"""
import base64, hashlib, json, sys

proof, pdf, checkpoint = json.load(open(sys.argv[1])), open(sys.argv[2], "rb").read(), open(sys.argv[3]).read()
sha = lambda *parts: hashlib.sha256(b"".join(parts)).digest()
# 1. The PDF is the one the batch record names.
record = json.loads(proof["record"])
doc = next(d for d in record["documents"] if d["id"] == proof["document_id"])
assert hashlib.sha256(pdf).hexdigest() == doc["pdf"]["sha256"], "the PDF is not the one the record names"
# 2. The leaf is that record: its key and the SHA-256 of its bytes.
leaf = json.loads(proof["leaf"])
assert leaf == {"key": proof["record_key"], "sha256": hashlib.sha256(proof["record"].encode()).hexdigest()}, "the leaf is not this record"
# 3. The leaf is in the tree (RFC 9162 2.1.3.2): recompute the root.
fn, sn, r = proof["leaf_index"], proof["tree_size"] - 1, sha(b"\x00", proof["leaf"].encode())
for p in map(base64.b64decode, proof["inclusion_proof"]):
    assert sn > 0, "proof too long"
    if fn % 2 == 1 or fn == sn:
        r = sha(b"\x01", p, r)
        while fn % 2 == 0 and fn != 0:
            fn, sn = fn >> 1, sn >> 1
    else:
        r = sha(b"\x01", r, p)
    fn, sn = fn >> 1, sn >> 1
# 4. The root is the checkpoint's (origin, size, base64 root hash).
origin, size, root = checkpoint.split("\n")[:3]
assert sn == 0 and int(size) == proof["tree_size"] and base64.b64decode(root) == r, "not in this checkpoint"
print(f"ok: {proof['document_id']} is in {origin} at size {size} (leaf {proof['leaf_index']})")
