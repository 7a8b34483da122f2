package fs

import "encoding/binary"

// le is the byte order of the protocol.
var le = binary.LittleEndian
