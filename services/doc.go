// Package services holds nothing but documentation: its subdirectories are
// the libraries of clk's ring-3 services (the network stack, the file system
// service). They are plain Go above drivers/ and beside sdk/: a service
// library takes what it needs from a driver through a small interface of its
// own, so it builds and is tested on the host as well as for GOOS=clk. The
// programs in programs/ wire drivers, sdk and these libraries together.
//
//   - netstack: the TCP/IP stack of the network service, gVisor's tcpip
//     package over Ethernet frames, with its own DHCP client.
package services
