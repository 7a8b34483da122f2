// Package fat is a FAT32 file system in plain Go: Format makes a volume,
// Mount reads and writes one, on any Device that reads and writes whole
// sectors. It is meant to run inside the ring-3 file-system service over
// the virtio-blk block service, and has no clk-specific imports, so it is
// tested on the host, against dosfstools' fsck.fat and mtools where they
// are installed.
//
// # The format
//
// References are to Microsoft's FAT specification, "FAT: General
// Overview of On-Disk Format" version 1.03 (fatgen103), by section title.
//
// Mount reads the BPB and refuses, with ErrCorrupt and what is wrong,
// any value that would put a region off the device or make the FAT too
// small for the clusters it maps; it refuses FAT12 and FAT16 (fewer than
// 65,525 clusters, or a 16-bit FAT size or fixed root directory) and FAT32
// versions other than 0.0 with ErrUnsupported. Sectors of 512 to 4096
// bytes, clusters up to 64 KiB, one or two FATs are read; changes go to
// every FAT, or to the active one alone when BPB_ExtFlags turns mirroring
// off. The FSInfo sector's next-free hint is where allocation starts
// looking; its free count is never believed: StatFS counts once by
// reading the FAT, and the count is kept from there. The backup boot
// sector is only written by Format.
//
// Names are long names (VFAT entries, UTF-16, with the short name's
// checksum), kept as given and looked up without regard to case, by long
// or short name. A name that already is an upper-case 8.3 name gets a
// short entry alone; any other gets long-name entries and a unique short
// name, its basis name ("LONGFI~1.TXT" for "Long File Name.txt") with a
// numeric tail when the basis does not hold the name exactly or is
// taken. New names may not contain control characters, DEL or any of
// "*/:<>?\|, and may not end in a dot or a space (Windows would trim
// those into another name): they are refused with ErrBadName, which
// matches fs.ErrInvalid. Paths are slash-separated from the root; a
// leading slash, empty elements and "." are ignored and ".." is refused.
// Short names written by other systems with bytes above 0x7F read as ISO
// 8859-1, and the NT lower-case flags of DIR_NTRes are honoured when
// reading; entries whose names cannot be used in a path, and later
// entries repeating a name, are neither listed nor found.
//
// Every directory but the root starts with "." and ".." (".." of a
// directory in the root names cluster 0). A directory holds at most
// 65,536 entries. New entries take the first run of free slots (deleted
// ones included) that does not cross a sector boundary, growing the
// directory by a zeroed cluster when there is none; slots still marked
// as the end of the directory before the run are marked deleted first,
// so that readers which stop at the first end mark find the entry. Files
// are at most 4 GiB less a byte. Writing past the end zero-fills the gap
// (FAT has no holes). Files and directories report modes 0644 and 0755,
// less the write bits when the read-only attribute is set; creating a
// file with a perm that has no write bits sets that attribute.
// Timestamps come from Options.Clock in Options.Location: creation time
// and date when an entry is made, write time and date (and access date)
// when a file's data changes. Directory timestamps do not follow changes
// to their entries.
//
// # Caching and I/O
//
// Directories are read whole into memory (up to 8 MiB of them, least
// recently used dropped first), indexed by folded name, so that lookups
// in a directory of thousands of entries cost a map access. The FAT is
// cached by sector, read 32 sectors at a time. Both are written through
// at the end of each step of an operation, so the disk is never behind
// memory between operations. File data is not cached: reads and writes
// go to the device a run of consecutive clusters at a time, and
// allocation prefers the clusters right after a file's last one, so
// sequential files are mostly one run.
//
// # Write ordering and crashes
//
// No write order makes FAT atomic, so the order chosen leaves, at any
// point a crash can stop it, only damage that loses nothing a completed
// operation wrote and that fsck.fat repairs by freeing space:
//
//   - Growing a file writes the data, then the new clusters' FAT entries
//     (a chain of their own, in no file yet), then the link to them from
//     the file's last cluster, then the directory entry's size and first
//     cluster. A new file's first cluster and its size land in one
//     sector write.
//   - Shrinking or removing writes the directory entry first and frees
//     clusters after: first the new end-of-chain mark, then the rest.
//   - Making a directory writes its cluster, with "." and "..", and
//     allocates it before the entry naming it is written.
//   - Renaming writes the whole change as one sector when the old entry,
//     the new one and a replaced target's share a sector. Otherwise it
//     deletes the target's entry and the old one, points a moved
//     directory's ".." at its new parent, then writes the new entry: a
//     crash in between loses the name (its clusters are lost, and
//     fsck.fat -f salvages them), never leaving two names on one chain.
//   - A removed file that is still open keeps its clusters until its
//     last Close; a crash before that leaves them lost.
//   - A FAT change is written to the first FAT, then to the second.
//   - The first write after Mount or Sync clears the clean-shutdown bit
//     of FAT[1] (fatgen103, "FAT Data Structure"), in the first FAT and
//     then in the second, and marks the FSInfo free count unknown. Sync,
//     once every earlier write is on disk, writes the true count, then
//     sets the bit in the second FAT and last in the first; it leaves the
//     bit clear while a removed file is still open. Mount reports the bit
//     as found (MountReport). The hard-error bit beside it is kept as
//     found and reported too.
//   - An entry whose slots fit one sector is written with one write.
//     Names of more than 15 long-name entries (over 195 UTF-16 units)
//     span two 512-byte sectors: those are written last sector first and
//     deleted first sector first, so that an interruption leaves a
//     long-name fragment that fsck.fat reports but leaves alone, and the
//     file under its short name alone. Where such a name lands at a
//     directory's end, the slots of its first sector are marked deleted
//     before either is written, so that its short entry never lies past
//     an end mark.
//
// The ordering assumes the device applies writes in the order issued, or
// that Options.Barriers is set, which flushes the device between writes
// whose order matters. Writes are assumed atomic per sector, not beyond.
//
// What a crash leaves was measured with fsck.fat 4.2 -n, on volumes of
// one-sector clusters (so that every change spans many clusters), with a
// device that stops taking writes after a given number of sectors, the
// write that crosses the limit landing only its first sectors. fsck.fat
// -n exits 1 when it would change something, so each image was also
// checked for what it found; the only findings ever were lost clusters,
// FATs that differ with the first intact, a chain longer than its file's
// size (fsck.fat trims it to the size), an unknown free count, and a
// long-name fragment it leaves alone. Remounted by this package, every
// image held, for every path the interrupted operation did not touch,
// what it held when the operation before finished.
//
//   - TestCrashAtAnyWriteLeavesAVolumeFsckAccepts: a fixed workload of
//     58 operations (creates, appends, writes in place and past the end,
//     truncates both ways, renames within and between directories and
//     over a file, removes, a directory grown past a cluster, a long name
//     spanning two sectors) writes 443 sectors; cut after each of 0 to
//     442, fsck.fat exited 0 for 328 images and 1 for 115, finding lost
//     clusters in 84, differing FATs in 58 and a chain longer than its
//     file in 9; the free count was unknown in all but 2, and a long-name
//     fragment was left in 2.
//   - TestCrashesInRandomWorkloadsLeaveOnlyAllowedDamage, run with 250
//     random workloads of 80 operations each cut at 30 random points:
//     fsck.fat exited 0 for 5192 of the 7500 images and 1 for 2308,
//     finding lost clusters in 1470, differing FATs in 1121 and a chain
//     longer than its file in 557.
//
// # Damage
//
// Everything read from the disk is outside input. Cluster numbers are
// checked before use, chains are followed at most as many steps as the
// volume has clusters (so loops end), directories at most 2 MiB, and no
// access leaves the volume, whatever the image says. An inconsistency
// found while running (a chain that loops, leaves the volume or is
// shorter than its file, an entry naming a cluster that is not one) is
// returned as ErrCorrupt and turns the volume read-only until it is
// mounted again, as does a failed device write: memory may no longer
// match the disk, and writing on would spread the damage.
//
// # Limits
//
// Not handled: FAT12 and FAT16, more than two FATs, clusters over 64
// KiB, files over 4 GiB less a byte. Directory timestamps are set when a
// directory is made and not after; the access date moves only with the
// write date. Numeric tails are tried in order from the last one given
// for the same basis, not hashed as Windows does after ~4; with 999,999
// tails per basis, no directory runs out.
//
// # Concurrency
//
// An FS and its Files are safe for concurrent use. One mutex, FS.mu,
// serialises every operation; it is the only lock, apart from the leaf
// lock inside a MemDevice. A Device is never called concurrently.
package fat
