package main

import (
	"bufio"
	"clk/kernel/audit"
	"clk/modstore"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// auditCommand runs the audit subcommands: verify and show.
func auditCommand(args []string, out io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	switch args[0] {
	case "verify":
		return auditVerify(args[1:], out)
	case "show":
		return auditShow(args[1:], out)
	}
	return errUsage
}

func auditVerify(args []string, out io.Writer) error {
	fs := flags("audit verify", out)
	keyPath := fs.String("key", "", "the key of the log's checkpoints, a key file or 64 hex digits (as the kernel prints its boot key): the log must name this key")
	head := fs.String("head", "", "SEQ:HASH, a head known from before: the file must hold that record with that hash")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return errUsage
	}
	opts, err := auditOptions(*keyPath, *head)
	if err != nil {
		return err
	}
	path := fs.Arg(0)
	s, err := verifyFile(path, opts, nil)
	if err != nil {
		if _, ok := err.(*audit.VerifyError); !ok {
			return err
		}
		fmt.Fprintf(out, "bad %s: %v\n", path, err)
		if s.Size > 0 {
			fmt.Fprintf(out, "good records before it: %d, head %d:%v\n", s.Records, s.Records, s.Head)
		}
		return errRefused
	}
	fmt.Fprintf(out, "ok %s: %d records in log %v\n", path, s.Records, s.ID)
	if s.Records > 0 {
		fmt.Fprintf(out, "first: record %d at %s\n", s.First.Seq, s.First.Time.Format(time.RFC3339Nano))
		fmt.Fprintf(out, "last:  record %d at %s\n", s.Last.Seq, s.Last.Time.Format(time.RFC3339Nano))
	}
	fmt.Fprintf(out, "head:  %d:%v\n", s.Records, s.Head)
	switch {
	case s.Key == nil && len(s.Keys) == 0:
		fmt.Fprintln(out, "signed: no, the log has no key: nothing outside the file vouches for it")
	case s.Checkpoints == 0:
		fmt.Fprintf(out, "signed: no checkpoint yet by key %s\n", keyID(s.Key))
	default:
		fmt.Fprintf(out, "signed: records 1 to %d by key %s at %s (checkpoints: %d); %d records after the last\n",
			s.Signed.Seq, keyID(s.SignedBy), s.Signed.Time.Format(time.RFC3339), s.Checkpoints, s.Records-s.Signed.Seq)
	}
	if len(s.Keys) > 0 {
		ids := make([]string, len(s.Keys))
		for i, k := range s.Keys {
			ids[i] = string(keyID(k))
		}
		fmt.Fprintf(out, "keys:  %d named by %s records: %s\n", len(s.Keys), audit.KeyEvent, strings.Join(ids, " "))
	}
	switch {
	case opts.Key != nil && s.Pinned.Seq > 0:
		fmt.Fprintf(out, "pinned: records 1 to %d signed by the key given\n", s.Pinned.Seq)
	case opts.Key != nil:
		fmt.Fprintln(out, "pinned: the key given signs no checkpoint")
	case s.Key != nil || len(s.Keys) > 0:
		fmt.Fprintln(out, "warning: the keys were read from the file itself; give -key to pin one")
	}
	return nil
}

// auditOptions makes the options of Verify from the -key and -head flags.
func auditOptions(keyPath, head string) (audit.Options, error) {
	var opts audit.Options
	if keyPath != "" {
		if b, err := hex.DecodeString(keyPath); err == nil && len(b) == ed25519.PublicKeySize {
			opts.Key = ed25519.PublicKey(b)
		} else {
			k, err := readPublic(keyPath)
			if err != nil {
				return opts, err
			}
			opts.Key = ed25519.PublicKey(k[:])
		}
	}
	if head != "" {
		seq, hash, ok := strings.Cut(head, ":")
		n, err := strconv.ParseUint(seq, 10, 64)
		b, herr := hex.DecodeString(hash)
		if !ok || err != nil || herr != nil || len(b) != len(opts.Known.Hash) || n == 0 {
			return opts, fmt.Errorf("-head %q: want SEQ:HASH, a record number and 64 hex digits", head)
		}
		opts.Known.Seq = n
		copy(opts.Known.Hash[:], b)
	}
	return opts, nil
}

// verifyFile verifies the log file at path, calling each with its
// records.
func verifyFile(path string, opts audit.Options, each func(audit.Record)) (audit.Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return audit.Summary{}, err
	}
	defer f.Close()
	return audit.Verify(f, opts, each)
}

// keyID names an ed25519 key as clkmod names module keys.
func keyID(k ed25519.PublicKey) modstore.KeyID {
	var pk modstore.PublicKey
	copy(pk[:], k)
	return pk.ID()
}

// recordJSON is a record as audit show -json prints it, one a line.
type recordJSON struct {
	Seq     uint64            `json:"seq"`
	Time    time.Time         `json:"time"`
	Event   string            `json:"event"`
	Subject string            `json:"subject"`
	Detail  string            `json:"detail,omitempty"`
	Fields  map[string]string `json:"fields,omitempty"`
	Prev    string            `json:"prev"`
	Hash    string            `json:"hash"`
}

func auditShow(args []string, out io.Writer) error {
	fs := flags("audit show", out)
	asJSON := fs.Bool("json", false, "print each record as a line of JSON")
	keyPath := fs.String("key", "", "the key file the log must name")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return errUsage
	}
	opts, err := auditOptions(*keyPath, "")
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	_, err = verifyFile(fs.Arg(0), opts, func(r audit.Record) {
		if *asJSON {
			j := recordJSON{Seq: r.Seq, Time: r.Time, Event: r.Event, Subject: r.Subject, Detail: r.Detail,
				Prev: r.Prev.String(), Hash: r.Hash.String()}
			if len(r.Fields) > 0 {
				j.Fields = map[string]string{}
				for _, f := range r.Fields {
					j.Fields[f.Key] = f.Value
				}
			}
			enc.Encode(j)
			return
		}
		fmt.Fprintf(w, "%d %s %s %s %s", r.Seq, r.Time.Format(time.RFC3339Nano), r.Event, quoteIfNeeded(r.Subject), quoteIfNeeded(r.Detail))
		for _, f := range r.Fields {
			fmt.Fprintf(w, " %s=%s", f.Key, quoteIfNeeded(f.Value))
		}
		fmt.Fprintln(w)
	})
	if ferr := w.Flush(); ferr != nil {
		return ferr
	}
	if _, ok := err.(*audit.VerifyError); ok {
		fmt.Fprintf(out, "bad %s: %v\n", fs.Arg(0), err)
		return errRefused
	}
	return err
}

// quoteIfNeeded quotes s when it is empty or holds anything but
// printable characters other than space and quotes, so that a line of
// show splits into its fields at spaces.
func quoteIfNeeded(s string) string {
	if s == "" || strings.ContainsAny(s, " \"=\\") || strings.IndexFunc(s, func(r rune) bool { return !strconv.IsPrint(r) }) >= 0 {
		return strconv.Quote(s)
	}
	return s
}
