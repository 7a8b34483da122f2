package suppolicy

import "errors"

// The causes an action or a policy file is refused for. Every error of
// this package wraps exactly one of them, so callers tell them apart with
// errors.Is.
var (
	// ErrMalformed: the bytes are not an action or policy file: wrong
	// magic, format version, reserved bits, a length out of bounds or
	// beyond the end, trailing bytes, a field breaking its rules.
	ErrMalformed = errors.New("malformed")
	// ErrNoPolicy: an action came before any policy was loaded.
	ErrNoPolicy = errors.New("no policy loaded")
	// ErrUnknownKey: the action is signed by a key the policy does not
	// name as the supervisor's.
	ErrUnknownKey = errors.New("signed by a key that is not the supervisor's")
	// ErrBadSignature: the signature does not verify over the action's
	// bytes, or the policy file carries a signature that does not verify.
	ErrBadSignature = errors.New("bad signature")
	// ErrReplay: the action's sequence number is not above the last one
	// accepted from its key.
	ErrReplay = errors.New("replayed or old sequence number")
	// ErrStale: the action's time is further from the kernel's clock than
	// the policy's max_age.
	ErrStale = errors.New("action time outside the accepted window")
	// ErrNotAllowed: the policy does not allow this kind of action on
	// this module.
	ErrNotAllowed = errors.New("action not allowed by policy")
	// ErrNeverRevoke: the policy lists the module as never to be revoked.
	ErrNeverRevoke = errors.New("module may never be revoked")
	// ErrRateLimit: the module has had as many hard actions in the
	// policy's period as the policy allows; the action goes to a person.
	ErrRateLimit = errors.New("rate limit reached: escalate to an operator")
	// ErrBelowThreshold: a policy file carries fewer valid signatures of
	// the root keys than the threshold.
	ErrBelowThreshold = errors.New("root signatures below threshold")
	// ErrPolicyRollback: a policy file's version is not above the loaded
	// policy's.
	ErrPolicyRollback = errors.New("policy version not above the loaded one")
)
