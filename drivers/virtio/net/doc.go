// Package net drives a virtio network device (Virtual I/O Device (VIRTIO)
// Version 1.2, 5.1): device type 1, an Ethernet link reached through a
// receive queue (receiveq1, queue 0), into which the driver puts empty
// buffers for the device to fill with frames, and a transmit queue
// (transmitq1, queue 1), into which it puts the frames to send.
//
// New takes a virtio.Device that virtio.Open found and negotiates
// VIRTIO_NET_F_MAC, VIRTIO_NET_F_STATUS and VIRTIO_F_EVENT_IDX, nothing
// else: no checksum or segmentation offloads, no merged receive buffers,
// no control queue, one queue pair. Frames are plain Ethernet frames,
// MinFrame to MaxFrame bytes, each behind the 12-byte struct
// virtio_net_hdr, zeroed on the way out and checked on the way in. The
// MAC address is the device's, read in one configuration generation, or
// without VIRTIO_NET_F_MAC a locally administered one made from
// Config.MACSeed.
//
// Each queue has a pool of buffers carved from one DMA allocation:
// receive buffers of 1536 bytes, a header and the largest frame, all of
// them in the device but while a frame is copied out; transmit buffers
// of the same size, into which Send copies frames. Nothing the device
// writes is believed unchecked: virtio.Queue checks each used entry's id
// and length against the chains in flight, and the package checks each
// received frame's length and header.
//
// # Goroutines
//
// The package does not wait on its own: Config.WaitRX and WaitTX block
// until the device interrupts on the vectors of the receive and transmit
// queues (or on the one vector they share, or through INTx). A driver
// runs two loops, each in a goroutine of its own, and sends from any
// goroutine:
//
//	nic, err := net.New(dev, net.Config{RXVector: 0, TXVector: 1, WaitRX: wait0, WaitTX: wait1, MACSeed: seed})
//	go func() { errs <- nic.Receive(stack.Input) }() // waits on WaitRX, delivers frames
//	go func() { errs <- nic.Reclaim() }()            // waits on WaitTX while Sends wait for buffers
//	err = nic.Send(frame)                            // from the stack's goroutines, or from deliver
//
// Receive reaps the receive queue, copies each frame out of DMA memory,
// puts its buffer back at once, and delivers the frames with no lock
// held, so that deliver may Send (an ARP reply, a TCP ACK). Send takes
// back the buffers the device has sent as it goes, so the transmit
// interrupt stays off; only when every buffer is in flight does a Send
// sleep, and Reclaim turns the interrupt on, waits for it, and wakes the
// Sends. When the two queues share a vector, Receive and Reclaim share
// its Wait: one of them calls it and both see what it returns.
//
// A failed Wait, a device that breaks a queue's protocol or sets
// DEVICE_NEEDS_RESET (seen by Receive, on whose vector configuration
// changes come), or Close, ends the NIC: the device is reset, so that it
// touches no buffer any more, and Receive, Reclaim and every Send return
// the error, typed for errors.Is. A loop inside a Wait returns only when
// the Wait does, and the reset device interrupts no more: when the NIC
// ends elsewhere (a Send meets the broken transmit queue, or Close), the
// driver ends its Waits by closing its interrupt objects, or exits. The
// driver starts again with New.
//
// Lock order: receiver.mu < transmitter.mu < interrupt.mu. A
// virtio.Queue is used under its own queue's lock only. Ending the NIC
// resets the device, which stops both queues, with both locks held; so
// NIC.err is written with both held and read with either. The device's
// other calls made while the NIC is shared (NeedsReset, ISR, reads of
// the device configuration) only read registers through windows fixed
// by virtio.Open, and take no lock. deliver and the Waits are called with
// no lock held.
package net
