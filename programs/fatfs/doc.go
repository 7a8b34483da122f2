// Fatfs is the file system service: it mounts the FAT32 volume of a
// block service's disk (drivers/fat over services/block) and serves it
// with the file protocol (services/fs, abi/fs.go). The kernel starts it
// with two startup handles: the block channel (its client end) and the
// service's control channel, on which every new client's channel arrives.
// A volume whose boot sector or structures cannot be trusted is refused,
// and the service exits with status 1 saying why; one found damaged while
// serving turns read-only. A volume that was not cleanly unmounted (its
// driver or the machine stopped under a write) is repaired as it is
// mounted, and the service says what the repair changed.
//
// Usage (by the kernel):
//
//	fatfs
package main
