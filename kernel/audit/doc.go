// Package audit is the kernel's audit log: an append-only list of
// records of what the kernel did on whose behalf (a module installed,
// activated, replaced or revoked; an action of the supervisor checked and
// carried out), each record chained to the one before it by a SHA-256
// hash, so that a copy of the log on a disk can be checked later, on the
// host, by clkmod audit verify.
//
// A Log keeps its last records in memory (Since, for a shell's display
// and for readers that follow it) and writes every record to a sink, the
// file on the disk when there is one. Resume continues a log from its
// file after a reboot, verifying the file first. The module manager
// depends on the Auditor interface, which *Log implements.
//
// # The file
//
// Integers are little-endian. A file is a 56-byte header and then
// entries, each a u32 length L (1 to MaxEntry) and L bytes whose first is
// the entry's kind.
//
//	header   0   4  magic "CLKA"
//	         4   2  format version, 1
//	         6   2  reserved, 0
//	         8  16  the log's ID, random
//	        24  32  the ed25519 public key of its checkpoints, or zeros
//
//	record   0   4  L
//	         4   1  kind, 1
//	         5   8  sequence number: 1, 2, 3 ...
//	        13   8  time, Unix nanoseconds (signed)
//	        21  32  prev: SHA-256 of the previous record's entry, or the genesis
//	        53   1  e, then e bytes of event name (1 to 64, ASCII 0x21-0x7e)
//	             1  s, then s bytes of subject
//	             2  d, then d bytes of detail (at most 4096)
//	             1  f, fields (at most 16), each:
//	                1 + k  key (1 to 64 bytes, as an event name)
//	                2 + v  value (at most 1024 bytes)
//	                in ascending byte order of key, no key twice
//
//	checkpoint 0  4  L, 113
//	           4  1  kind, 2
//	           5  8  sequence number of the last record it covers (0: none)
//	          13  8  time, Unix nanoseconds
//	          21 32  head: that record's hash, or the genesis
//	          53 64  ed25519 signature
//
// A record's hash is the SHA-256 of its whole entry, length word
// included. The genesis, which the first record's prev holds, is the
// SHA-256 of "clk audit log v1", a NUL byte and the header: a log's
// records chain onto its own ID and key only, so two logs cannot be
// spliced. A checkpoint's signature covers "clk audit checkpoint v1", a
// NUL, the log's ID and the checkpoint's bytes 0 to 53 (everything but
// the signature). Checkpoints sit between records and are not chained:
// the record after a checkpoint still names the record before it. The
// encoding is canonical: a parser accepts one encoding of each record
// (the length word must match the fields exactly; subject, detail and
// values are bytes, not checked as UTF-8; keys are sorted), so a record
// read back hashes to what was written.
//
// A log whose header names no key can be given one later, and another
// after that (Rekey): a record of event KeyEvent, whose detail is the
// public key in lower-case hex, makes that key the signer of the
// checkpoints after it, and Rekey signs one at once. Only Rekey writes
// such records; in a log whose header names its key one is malformed.
//
// # What the chain proves
//
// Verify checks the header, every entry's encoding, that sequence
// numbers run 1, 2, 3 without a gap, that each prev is the hash of the
// record before, and each checkpoint's head and signature. So an edit,
// an insertion, a deletion or a reordering of records shows at the first
// record it touches, unless whoever made it also rewrote every record
// after it: SHA-256 has no secret, and a chain rewritten to its end
// verifies. What pins a chain is a head known from elsewhere: a
// checkpoint, which only the holder of the log's private key can sign,
// or a (sequence number, hash) pair kept elsewhere (Options.Known).
// Every record up to the last good checkpoint is as the key's holder
// wrote it; records after it are vouched for by nothing but the chain,
// and cutting the file back to an earlier checkpoint (or at any record
// of a log without a key) is seen only against a head known elsewhere.
// A key read from the file proves nothing until the verifier pins it
// (Options.Key): a key named by a KeyEvent record least of all, since
// whoever rewrites the file can name their own. Pinned, such a key
// vouches for the records up to its last checkpoint (Summary.Pinned),
// the ones before its KeyEvent record included. And a chain proves
// nothing against the kernel itself:
// whoever controls the kernel holds its key and can write any history.
//
// # Persistence
//
// Each entry is written to the sink with one Write, under the log's lock,
// as it is appended: a crash can leave at most the last entry torn, which
// Resume refuses (its error's Offset is where the good bytes end, for
// the caller to cut the file there or start a new log). When the sink has
// a Sync method it is called after each checkpoint and by Log.Sync, so a
// log with a key makes every CheckpointEvery records durable together;
// the kernel calls Sync where an event must be on the disk before it goes
// on. After the sink's first error the log writes nothing more to it and
// goes on in memory; Err returns the error.
//
// # Locking
//
// A Log has one mutex, held by every method for its whole work,
// including the sink's Write and Sync: a slow disk slows Record's callers
// rather than reorder the file. The sink must not call back into the log.
package audit
