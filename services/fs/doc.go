// Package fs is the file system service: it serves the file protocol
// (abi/fs.go) for a FAT32 volume (drivers/fat) mounted on a block
// service's disk (services/block). Each client has a channel of its own,
// which arrives on the service's control channel in an abi.FSConnect
// message; the kernel makes one for each program it starts with the
// file system and one for itself. A client's open files are its own and
// close with its channel.
package fs
