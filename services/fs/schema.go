package fs

import (
	"clk/abi"
	"clk/sdk"
)

// Schema is a client channel's protocol (abi/fs.go): every type carries
// at most a message's worth of data and no handles; the service checks
// each request's layout itself.
var Schema = func() sdk.Schema {
	var s sdk.Schema
	for t := uint32(abi.FSOpen); t <= abi.FSStatFS; t++ {
		s = append(s, sdk.MessageSpec{Type: t, MaxData: abi.MaxData})
	}
	return s
}()

// ControlSchema is the service's control channel: FSConnect carries the
// service's end of a new client's channel.
var ControlSchema = sdk.Schema{{
	Type:    abi.FSConnect,
	Handles: []sdk.HandleSpec{{Type: abi.TypeChannel, Rights: abi.RightRead | abi.RightWrite}},
}}
