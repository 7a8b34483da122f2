package metrics

import "errors"

// ErrBufferTooSmall is Read's cause when the record does not fit the
// buffer.
var ErrBufferTooSmall = errors.New("record larger than the buffer")
