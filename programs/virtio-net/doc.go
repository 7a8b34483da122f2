// Virtio-net is the network service: the driver of a virtio network
// device (drivers/virtio/net), the TCP/IP stack over it
// (services/netstack, gVisor's tcpip, configured by DHCP) and the socket
// service that programs' package net reaches (services/netsock). The
// kernel's device broker starts it with two startup handles: the device,
// and the service's control channel, on which each program's client
// channel arrives and the kernel asks for the interface's state (NetInfo,
// for ifconfig) and for pings (NetPing).
//
// Usage (by the kernel):
//
//	virtio-net BUS:DEV.FN
package main
