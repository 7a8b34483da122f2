package abi

// The supervisor's control channel: the AI supervisor module's second
// startup handle grant, whose other end the kernel reads
// (docs/supervisor.md). Every message is one-way, supervisor to kernel.
//
//	SupAlert   an alert with its evidence, one JSON object (aisup.Alert)
//	SupAction  an action, the signed CLKX encoding of suppolicy.Action;
//	           the kernel's policy engine decides and the decision goes
//	           to the audit log
const (
	SupAlert  = 1
	SupAction = 2

	// SupMaxMessage is the most bytes of one message.
	SupMaxMessage = 16 << 10
)
