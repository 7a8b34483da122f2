// Package fs is the file system service: it serves the file protocol
// (abi/fs.go) for a FAT32 volume (drivers/fat) mounted on a block
// service's disk (services/block), as a module (sdk/module; the module
// is modules/fatfs). The module manager connects its clients: the kernel
// makes one for each program it starts with the file system and one for
// itself. A client's open files are its own and close when it goes.
//
// A replacement moves the clients' open files to the next instance:
// Module's Export syncs the volume and lists them, its Import mounts the
// volume and opens them again under the same ids. Between the two the
// volume is clean on the disk, and the instance that exported writes
// nothing more unless it serves again (a rollback).
package fs
