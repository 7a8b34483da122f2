// Package block speaks the block protocol (abi/block.go) over a channel:
// Serve is the service side, which a disk's driver runs over its device,
// and Client the other, which the file system service mounts its volume
// on. Requests are channel calls, one at a time per caller; a request
// larger than abi.BlockMaxIO is split by the client.
//
// The service checks every request against the disk before the device
// sees it: sectors past the end, a zero count, a count that moves more than
// abi.BlockMaxIO, or data that does not match the count are refused with
// EINVAL, writes to a read-only disk with EACCES.
package block
