// Diskcheck exercises /disk through package os, as any program would, and
// says what it found: the system tests run it to check that a ring-3
// program reaches the file system service with the standard library
// unchanged, and that one without the service's channel does not.
//
// Usage:
//
//	diskcheck write PATH SIZE   write SIZE bytes of a fixed pseudo-random
//	                            stream to PATH, read them back and print
//	                            their sha256
//	diskcheck ops DIR           create, append, truncate, rename, list and
//	                            remove files and directories in DIR
//	diskcheck nofs              spawn a child without the service's
//	                            channel, which must find no /disk
package main
