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
// operation wrote and that Repair, run by the next read-write Mount,
// repairs by freeing space (as fsck.fat does):
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
//     crash in between loses the name, never leaving two names on one
//     chain. The file, or the directory and all it holds, is then lost
//     clusters, which Repair frees (fsck.fat -f would salvage them into
//     files; Repair does not).
//   - A removed file that is still open keeps its clusters until its
//     last Close; a crash before that leaves them lost.
//   - A FAT change is written to the first FAT, then to the second.
//   - The first write after Mount or Sync clears the clean-shutdown bit
//     of FAT[1] (fatgen103, "FAT Data Structure"), in the first FAT and
//     then in the second, and marks the FSInfo free count unknown. Sync,
//     once every earlier write is on disk, writes the true count, then
//     sets the bit in the second FAT and last in the first, so that the
//     first FAT never says clean while the second differs; it leaves the
//     bit clear while a removed file is still open. There is no Close
//     or Unmount: Sync is what leaves a volume clean. The hard-error bit
//     beside it is kept as found.
//   - An entry whose slots fit one sector is written with one write.
//     Names of more than 15 long-name entries (over 195 UTF-16 units)
//     span two 512-byte sectors: those are written last sector first and
//     deleted first sector first, so that an interruption leaves a
//     long-name fragment, and the file under its short name alone. Where
//     such a name lands at a directory's end, the slots of its first
//     sector are marked deleted before either is written, so that its
//     short entry never lies past an end mark.
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
// checked for what it found; the only findings ever were the clean bit
// clear ("Dirty bit is set"), lost clusters, FATs that differ with the
// first intact, a chain longer than its file's size, an unknown free
// count, and a long-name fragment. Each image was then mounted
// read-write, which ran Repair, and synced: every one then held, for
// every path the interrupted operation did not touch, what it held when
// the operation before finished, and fsck.fat -n exited 0 and found
// nothing.
//
//   - TestCrashAtAnyWriteLeavesAVolumeFsckAccepts: a fixed workload of
//     58 operations (creates, appends, writes in place and past the end,
//     truncates both ways, renames within and between directories and
//     over a file, removes, a directory grown past a cluster, a long name
//     spanning two sectors, two Syncs) writes 452 sectors. Cut after each
//     of 0 to 451, fsck.fat exited 0 for 2 images, cut before the first
//     write or right after a Sync, and 1 for 450, all with the clean bit
//     clear; 119 of those had findings besides the clean bit and the
//     free count: lost clusters in 84, differing FATs in 62 and a chain
//     longer than its file in 9. A long-name fragment was left in 2.
//     Repair freed clusters in 93, cut chains in 9, deleted fragments in
//     2, copied FAT sectors in 26 and set the clean bit alone in 4.
//     Before Repair and the clean bit, the same workload wrote 443
//     sectors and left 115 images fsck.fat -n exited 1 for, which this
//     package mounted as they were.
//   - TestCrashesInRandomWorkloadsLeaveOnlyAllowedDamage, run with
//     -fat.crashworkloads=250 -fat.crashcuts=30 (250 random workloads of
//     80 operations each cut at 30 random points): fsck.fat exited 0 for
//     66 of the 7500 images and 1 for 7434, finding lost clusters in
//     1382, differing FATs in 1272 and a chain longer than its file in
//     553. After the next Mount's Repair and a Sync, it exited 0 and
//     found nothing in all 7500. (Before Repair and the clean bit, the
//     same run left 2308 images fsck.fat -n exited 1 for.)
//   - TestRepairCutShortAnywhereIsFinishedByTheNextMount: a Repair of
//     every kind of damage it fixes writes 13 sectors; cut after any of
//     them, the next Mount finished it.
//
// # Clean shutdown and Repair
//
// A read-write Mount of a volume whose clean-shutdown bit is clear runs
// Repair before it returns, and MountReport says what it did. Repair
// walks every directory from the root, each once, following each
// entry's chain as far as its size calls for, with a bit per cluster to
// find clusters reached twice; it reads the whole FAT, and the second
// to compare. It fixes the damage listed above: it deletes long-name
// entries paired with no short entry, cuts chains longer than their
// files' sizes (an empty file's chain is dropped from its entry), frees
// every allocated cluster that no entry and no removed file still open
// reaches (bad clusters stay marked), copies the first FAT over the
// second where they differ, and writes the free count and the clean bit.
// Entries past a directory's end mark, which this package does not see
// and which fsck.fat reads as files, are zeroed, as the package does
// before it places an entry there. It writes entries before freeing the
// clusters they stop naming, and the volume stays marked not clean until
// its last write, so a crash during Repair leaves work for the next
// Mount. On a volume with nothing to repair it writes nothing.
//
// What no interrupted write of this package leaves, Repair refuses
// before writing anything, with ErrCorrupt saying what and where: a
// chain that loops, leaves the volume, or runs into a free or bad
// cluster; a file whose chain is shorter than its size; two entries or
// directories sharing a cluster; an entry naming a cluster that is not
// one, or a directory naming the root. A Repair that does not finish,
// for that or any reason, leaves the volume read-only until it is
// mounted again, so that Sync never marks damage clean. Mount still
// returns such a volume, read-only, and MountReport.RepairErr says why.
// A read-only Mount never repairs and never writes.
//
// fsck.fat 4.2 reads the clean bit from the first FAT: -n prints "Dirty
// bit is set. Fs was not properly unmounted and some data may be
// corrupt." and " Automatically removing dirty bit." and exits 1 for the
// change it would make, and -a sets the bit in both FATs. It ignores the
// hard-error bit. mtools reads and writes volumes with the bit either
// way and leaves it as it was.
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
// match the disk, and writing on would spread the damage. A volume
// marked clean is not checked at Mount; Repair checks it when asked.
//
// # Limits
//
// Not handled: FAT12 and FAT16, more than two FATs, clusters over 64
// KiB, files over 4 GiB less a byte. The dirty flag Linux keeps in the
// boot sector (byte 0x41 on FAT32), which fsck.fat also reads, is
// neither read nor written. Repair salvages no lost chains into files,
// and keeps a bit per cluster: 32 MiB on the largest FAT32 volume. Directory timestamps are set when a
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
