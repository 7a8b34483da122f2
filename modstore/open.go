package modstore

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// Open makes a store from a whole set of trust documents, such as the
// bundle shipped in an image or a directory of them. The root set with
// the lowest version is the anchor, so docs must come from where the
// anchor may: Open trusts it as NewStore does. The other root sets are
// applied as rotations in version order; each revocation is applied at
// the first root version whose threshold it meets, and stays; the
// delegations are applied last, against the final roots.
//
// A delegation or revocation that never meets a threshold, and a
// delegation of a revoked key, is left out and returned among the
// warnings (ErrBelowThreshold, ErrRevokedKey): after a rotation, the
// delegations the new roots have not signed again are expected to lapse.
// Any other fault of a document is an error.
func Open(docs []*Doc, cfg Config) (*Store, []error, error) {
	var roots, revocations, delegations []*Doc
	for _, d := range docs {
		switch d.Kind() {
		case KindRoot:
			roots = append(roots, d)
		case KindRevocation:
			revocations = append(revocations, d)
		case KindDelegation:
			delegations = append(delegations, d)
		}
	}
	if len(roots) == 0 {
		return nil, nil, fmt.Errorf("trust documents: no root set: %w", ErrMalformed)
	}
	slices.SortStableFunc(roots, func(a, b *Doc) int { return cmp.Compare(a.Root.Version, b.Root.Version) })
	anchor, err := roots[0].MarshalBinary()
	if err != nil {
		return nil, nil, err
	}
	s, err := NewStore(anchor, cfg)
	if err != nil {
		return nil, nil, err
	}
	// revokeWhatMeets applies the revocations the current roots sign
	// for and keeps the others pending.
	revokeWhatMeets := func() error {
		var pending []*Doc
		for _, d := range revocations {
			err := s.ApplyDoc(d)
			switch {
			case errors.Is(err, ErrBelowThreshold):
				pending = append(pending, d)
			case err != nil:
				return err
			}
		}
		revocations = pending
		return nil
	}
	for _, r := range roots[1:] {
		if err := revokeWhatMeets(); err != nil {
			return nil, nil, err
		}
		if err := s.ApplyDoc(r); err != nil {
			return nil, nil, err
		}
	}
	if err := revokeWhatMeets(); err != nil {
		return nil, nil, err
	}
	var warnings []error
	for _, d := range revocations {
		warnings = append(warnings, fmt.Errorf("revocation of key %s left out: %w", d.Revocation.Key.ID(), ErrBelowThreshold))
	}
	for _, d := range delegations {
		err := s.ApplyDoc(d)
		switch {
		case errors.Is(err, ErrBelowThreshold) || errors.Is(err, ErrRevokedKey):
			warnings = append(warnings, fmt.Errorf("delegation left out: %w", err))
		case err != nil:
			return nil, nil, err
		}
	}
	return s, warnings, nil
}
