// Fatfs is the file system service as a module: it mounts the FAT32
// volume of a block service's disk (drivers/fat over services/block) and
// serves it with the file protocol (services/fs, abi/fs.go) to the
// clients of the service "fs" the module manager connects. The kernel
// activates it when the disk's driver starts, its second startup handle
// the block channel (the first is the manager's control channel).
// A disk whose first sector is not a FAT32 boot sector but a partition
// table (drivers/mbr) is served from its first FAT32 partition, as the
// data partition of clk's raw image (docs/boot.md) is.
//
// A volume whose boot sector or root directory cannot be trusted is
// refused: the service says why ("refused the volume: ...") and the
// activation fails, after which the kernel removes /disk and does not
// start the service again on its own. A volume that was not cleanly
// unmounted (its driver or the machine stopped under a write) is
// repaired as it is mounted, and the service says what the repair
// changed; damage that no interrupted write leaves (chains that loop or
// cross, a file longer than its chain) is not repaired, and the volume is
// mounted read-only, the service saying why and then "read-only" in its
// mounted line. One found damaged while serving turns read-only too.
// Changes to a read-only volume fail with EROFS.
//
// A replacement (mod replace fatfs FILE) syncs the volume, hands the
// clients' open files to the new instance, which mounts the volume and
// opens them again, and leaves the volume to it (services/fs, Module).
package main
