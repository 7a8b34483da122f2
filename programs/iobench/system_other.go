//go:build !linux

package main

// On clk the kernel has the machine ready before the program starts:
// the file system service serves /disk over the virtio disk, the network
// service has the address DHCP gave it, and when the program ends the
// kernel powers the machine off.

func setup() error { return nil }

// dropCache does nothing: clk's file system service keeps no file data in
// memory (drivers/fat), so the read already comes from the disk.
func dropCache() error { return nil }

func finish() {}
