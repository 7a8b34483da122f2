// Package mbr reads the partition table of a PC disk's master boot record
// (its four primary entries) and gives a partition as a disk of its own,
// so that the FAT32 file system can mount a volume that does not fill the
// disk: the data partition of clk's raw image (image/diskimg) is one.
//
// Only what a partition's place needs is read: the status byte, the type
// and the LBA fields; the CHS fields are ignored, as every loader since
// LBA disks does. Extended partitions are not followed. Parse refuses a
// sector that is not a partition table (no 55 AA signature, or a status
// byte other than 0x00 and 0x80, where a FAT boot sector with boot code
// has code) and an entry that lies off the disk, with ErrNoTable and
// ErrBadTable, so that outside input never panics. A FAT boot sector
// whose boot code area is zeros reads as a table with no partitions.
//
// The package is plain Go with no clk-specific imports: the file system
// service (modules/fatfs) uses it in ring 3, and it is tested on the
// host.
package mbr
