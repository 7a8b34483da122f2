// Fatfs is the file system service: it mounts the FAT32 volume of a
// block service's disk (drivers/fat over services/block) and serves it
// with the file protocol (services/fs, abi/fs.go). The kernel starts it
// with two startup handles: the block channel (its client end) and the
// service's control channel, on which every new client's channel arrives.
// A disk whose first sector is not a FAT32 boot sector but a partition
// table (drivers/mbr) is served from its first FAT32 partition, as the
// data partition of clk's raw image (docs/boot.md) is.
// A volume whose boot sector or root directory cannot be trusted is
// refused: the service says why ("refused the volume: ...") and exits
// with status 1, after which the kernel removes /disk and does not start
// the service again on its own. A volume that was not cleanly unmounted
// (its driver or the machine stopped under a write) is repaired as it is
// mounted, and the service says what the repair changed; damage that no
// interrupted write leaves (chains that loop or cross, a file longer
// than its chain) is not repaired, and the volume is mounted read-only,
// the service saying why and then "read-only" in its mounted line. One
// found damaged while serving turns read-only too. Changes to a
// read-only volume fail with EROFS.
//
// Usage (by the kernel):
//
//	fatfs
package main
