package module

// Auditor receives every lifecycle event of the manager, in the order the
// events happen for each module. The audit log behind it (append-only,
// hash-chained) is not this package's: the manager only calls Record,
// which must not block for long and must not call back into the manager.
type Auditor interface {
	// Record notes event (one of the Event constants) for module, with a
	// detail in text: versions, process ids, the cause of a failure.
	Record(event, module, detail string)
}

// The events the manager records.
const (
	EventInstall   = "install"  // a version was verified and installed
	EventActivate  = "activate" // the first instance serves
	EventReplace   = "replace"  // a replacement serves; the old instance is stopped
	EventRollback  = "rollback" // a replacement failed; the old instance serves again
	EventKill      = "kill"     // an instance was killed (no answer in time)
	EventCrash     = "crash"    // an instance ended on its own
	EventRestart   = "restart"  // an instance was started again by the restart policy
	EventGiveUp    = "give-up"  // the restart policy's intensity was exceeded: failed
	EventStop      = "stop"     // the module was stopped
	EventRevoke    = "revoke"   // the module was revoked
	EventTainted   = "tainted"  // installed without a signature that stands (permissive store)
	EventCheckFail = "refused"  // a module file was refused by the store
)

// nopAuditor records nothing.
type nopAuditor struct{}

func (nopAuditor) Record(event, module, detail string) {}
