package netsock

import (
	"clk/abi"
	"clk/sdk"
)

// Schema is a client channel's protocol (abi/net.go): every type carries
// at most a message's worth of data and no handles; the service checks
// each request's layout itself.
var Schema = func() sdk.Schema {
	var s sdk.Schema
	for t := uint32(abi.NetSocket); t <= abi.NetSetDeadline; t++ {
		s = append(s, sdk.MessageSpec{Type: t, MaxData: abi.MaxData})
	}
	return s
}()

// ControlSchema is the service's control channel: NetConnectClient
// carries the service's end of a new client's channel; NetInfo and
// NetPing are the kernel's calls, which the service's program answers
// (ServeControl answers neither).
var ControlSchema = sdk.Schema{
	{Type: abi.NetConnectClient, Handles: []sdk.HandleSpec{{Type: abi.TypeChannel, Rights: abi.RightRead | abi.RightWrite}}},
	{Type: abi.NetInfo, MaxData: abi.NetStatusSize + abi.NetInterfaceSize},
	{Type: abi.NetPing, MaxData: 16},
}
