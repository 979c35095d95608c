#!/usr/bin/python3
"""Independent check of TNP/1 vector files (PROTOCOL.md sections 4 and 5).

Recomputes every byte layout, hash and signature in the given files from their
inputs, using only Python's standard library (struct, hashlib.blake2b) and
PyNaCl (Debian's python3-nacl, a binding of libsodium written by other people
than timenode's). Nothing here shares code with the TypeScript implementation,
so agreement is evidence that both follow the protocol text.

Usage: /usr/bin/python3 check_vectors.py FILE.json [FILE.json ...]
Exits 0 when every value matches, 1 with one line per mismatch otherwise.
"""
import hashlib
import json
import os
import struct
import sys

try:
    import nacl.exceptions
    import nacl.signing
except ImportError:
    sys.exit("check_vectors.py: PyNaCl is missing: install python3-nacl "
             "(apt-get install -y python3-nacl); .ci/run does this")

REQUIRED = ("keys", "genesis", "quorum", "tx", "votes", "blocks", "ann", "hb", "auth")


def H(*parts):
    h = hashlib.blake2b(digest_size=32)
    for p in parts:
        h.update(p)
    return h.digest()


def u64(n):
    return struct.pack(">Q", int(n))


def text(x):
    b = x.encode("utf-8")
    return struct.pack(">H", len(b)) + b


def unhex(s):
    return bytes.fromhex(s)


def as_list(x):
    return x if isinstance(x, list) else [x]


class Checker:
    def __init__(self, name, seeds):
        self.name = name
        self.seeds = seeds  # public key hex -> seed bytes, for the keys the file lists
        self.failures = []
        self.checked = 0

    def eq(self, where, field, computed, stated):
        self.checked += 1
        if isinstance(computed, bytes):
            computed = computed.hex()
        if computed != stated:
            self.failures.append(f"{self.name} {where}.{field}: computed {computed}, file says {stated}")

    def fail(self, where, problem):
        self.failures.append(f"{self.name} {where}: {problem}")

    def sig(self, where, public_hex, message, sig_hex):
        """The signature verifies under the stated key, a flipped bit does not,
        and (Ed25519 being deterministic) signing with the key's seed gives it."""
        self.checked += 1
        sig = unhex(sig_hex)
        vk = nacl.signing.VerifyKey(unhex(public_hex))
        try:
            vk.verify(message, sig)
        except nacl.exceptions.BadSignatureError:
            self.fail(where, f"sig does not verify under {public_hex}")
            return
        flipped = bytes([sig[0] ^ 0x01]) + sig[1:]
        try:
            vk.verify(message, flipped)
            self.fail(where, "sig with a flipped bit still verifies")
        except nacl.exceptions.BadSignatureError:
            pass
        seed = self.seeds.get(public_hex)
        if seed is None:
            self.fail(where, f"no seed listed for signer {public_hex}")
            return
        self.eq(where, "sig", nacl.signing.SigningKey(seed).sign(message).signature, sig_hex)


def check_keys(c, keys):
    for i, k in enumerate(keys):
        public = nacl.signing.SigningKey(unhex(k["seed"])).verify_key.encode()
        c.eq(f"keys[{i}]", "public", public, k["public"])


def genesis_hash(f):
    keys = sorted(unhex(k) for k in f["masternodes"])
    return H(b"TNP1-genesis", text(f["network"]), u64(f["time"]), u64(f["interval"]), *keys)


def check_genesis(c, where, g):
    f = g["file"]
    keys = f["masternodes"]
    if len(set(keys)) != len(keys) or not keys:
        c.fail(where, "masternode list is empty or repeats a key")
    if not 1 <= len(f["network"].encode("utf-8")) <= 32 or f["interval"] < 100:
        c.fail(where, "network or interval out of bounds")
    c.eq(where, "hash", genesis_hash(f), g["hash"])
    c.eq(where, "schedule", [k.hex() for k in sorted(unhex(k) for k in keys)], g["schedule"])
    c.eq(where, "quorum", 2 * len(keys) // 3 + 1, g["quorum"])


def check_quorum(c, table):
    for n, q in table.items():
        c.eq(f"quorum[{n}]", "q", 2 * int(n) // 3 + 1, q)


def check_str(c, cases):
    for i, s in enumerate(cases):
        c.eq(f"str[{i}]", "encoded", text(s["text"]), s["encoded"])


def skip_count(parent_time, time, interval):
    return max(0, (time - parent_time) // interval - 1)


def check_skips(c, cases):
    for i, s in enumerate(cases):
        c.eq(f"skips[{i}]", "r", skip_count(s["parent_time"], s["time"], s["interval"]), s["r"])


def check_tx(c, where, tx):
    b = b"TNP1-tx" + unhex(tx["from"]) + u64(len(tx["inputs"]))
    for i in tx["inputs"]:
        b += unhex(i["txid"]) + u64(i["index"])
    b += u64(len(tx["outputs"]))
    for o in tx["outputs"]:
        b += unhex(o["to"]) + u64(o["amount"])
    b += u64(tx["time"])
    c.eq(where, "signed_bytes", b, tx["signed_bytes"])
    txid = H(b)
    c.eq(where, "txid", txid, tx["txid"])
    c.sig(where, tx["from"], txid, tx["sig"])


def check_vote(c, where, v):
    b = b"TNP1-vote" + unhex(v["txid"]) + (b"\x01" if v["accept"] else b"\x00")
    c.eq(where, "signed_bytes", b, v["signed_bytes"])
    if "id" in v:
        c.eq(where, "id", H(b + unhex(v["voter"])), v["id"])
    c.sig(where, v["voter"], b, v["sig"])


def check_chain(c, genesis, blocks):
    """Each block against its parent (block 0 is the genesis): the layouts and
    every rule of section 5 that needs no clock."""
    f = genesis["file"]
    schedule = sorted(unhex(k) for k in f["masternodes"])
    parent = {"height": 0, "hash": genesis_hash(f).hex(), "time": f["time"]}
    for i, blk in enumerate(blocks):
        where = f"blocks[{i}]"
        txids_hash = H(*(unhex(t) for t in blk["txids"]))
        c.eq(where, "txids_hash", txids_hash, blk["txids_hash"])
        b = (b"TNP1-block" + u64(blk["height"]) + unhex(blk["prev"]) + u64(blk["time"])
             + txids_hash + unhex(blk["producer"]))
        if "hashed_bytes" in blk:
            c.eq(where, "hashed_bytes", b, blk["hashed_bytes"])
        block_hash = H(b)
        c.eq(where, "hash", block_hash, blk["hash"])
        c.eq(where, "height", parent["height"] + 1, blk["height"])
        c.eq(where, "prev", parent["hash"], blk["prev"])
        if blk["time"] < parent["time"] + f["interval"]:
            c.fail(where, "time is less than one interval after its parent")
        r = skip_count(parent["time"], blk["time"], f["interval"])
        c.eq(where, "r", r, blk["r"])
        c.eq(where, "producer", schedule[(blk["height"] + r) % len(schedule)], blk["producer"])
        c.sig(where, blk["producer"], block_hash, blk["sig"])
        parent = {"height": blk["height"], "hash": block_hash.hex(), "time": blk["time"]}


def check_ann(c, where, a):
    b = b"TNP1-mn" + unhex(a["node"]) + text(a["ip"]) + u64(a["port"]) + u64(a["time"])
    c.eq(where, "signed_bytes", b, a["signed_bytes"])
    c.sig(where, a["node"], b, a["sig"])


def check_hb(c, where, h):
    b = b"TNP1-hb" + unhex(h["node"]) + u64(h["seq"]) + u64(h["time"]) + u64(h["height"])
    c.eq(where, "signed_bytes", b, h["signed_bytes"])
    c.sig(where, h["node"], b, h["sig"])


def check_auth(c, where, a):
    b = b"TNP1-auth" + unhex(a["challenge"]) + unhex(a["signer"])
    c.eq(where, "signed_bytes", b, a["signed_bytes"])
    c.sig(where, a["signer"], b, a["sig"])


def check_file(path):
    name = os.path.basename(path)
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    missing = [s for s in REQUIRED if s not in doc]
    if missing:
        return Checker(name, {}), [f"{name}: sections missing: {', '.join(missing)}"]
    c = Checker(name, {k["public"]: unhex(k["seed"]) for k in doc["keys"]})
    check_keys(c, doc["keys"])
    genesis = as_list(doc["genesis"])
    for i, g in enumerate(genesis):
        check_genesis(c, f"genesis[{i}]", g)
    check_quorum(c, doc["quorum"])
    check_str(c, doc.get("str", []))
    check_skips(c, doc.get("skips", []))
    for i, tx in enumerate(as_list(doc["tx"])):
        check_tx(c, f"tx[{i}]", tx)
    for i, v in enumerate(doc["votes"]):
        check_vote(c, f"votes[{i}]", v)
    blocks = doc["blocks"]
    if isinstance(blocks, dict):  # ours: {"genesis": index, "chain": [...]}
        check_chain(c, genesis[blocks["genesis"]], blocks["chain"])
    else:  # the shared file: one genesis, blocks chained on it
        check_chain(c, genesis[0], blocks)
    for i, a in enumerate(as_list(doc["ann"])):
        check_ann(c, f"ann[{i}]", a)
    for i, h in enumerate(as_list(doc["hb"])):
        check_hb(c, f"hb[{i}]", h)
    for i, a in enumerate(as_list(doc["auth"])):
        check_auth(c, f"auth[{i}]", a)
    return c, c.failures


def main(paths):
    if not paths:
        sys.exit("usage: check_vectors.py FILE.json [FILE.json ...]")
    failed = False
    for path in paths:
        try:
            c, failures = check_file(path)
        except (OSError, ValueError, KeyError, TypeError) as err:
            print(f"{path}: cannot check: {type(err).__name__}: {err}", file=sys.stderr)
            failed = True
            continue
        for line in failures:
            print(line, file=sys.stderr)
        if failures:
            failed = True
        else:
            print(f"{os.path.basename(path)}: {c.checked} values match")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
