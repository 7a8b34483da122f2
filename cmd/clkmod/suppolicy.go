package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"clk/suppolicy"
)

// supPolicy signs the supervisor's policy: the JSON body of FILE, with
// the public keys of -supervisor added to its supervisors, in the signed
// envelope of suppolicy, by each -sign root key.
func supPolicy(args []string, out io.Writer) error {
	fs := flags("suppolicy", out)
	var signers, sups list
	fs.Var(&signers, "sign", "a root key file that signs (repeatable)")
	fs.Var(&sups, "supervisor", "a supervisor's key file, public or private (repeatable)")
	outPath := fs.String("o", "", "the signed policy file")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 || *outPath == "" || len(signers) == 0 {
		return errUsage
	}
	text, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	var body map[string]any
	if err := json.Unmarshal(text, &body); err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	list, _ := body["supervisors"].([]any)
	for _, p := range sups {
		k, err := readPublic(p)
		if err != nil {
			return err
		}
		list = append(list, base64.StdEncoding.EncodeToString(k[:]))
	}
	body["supervisors"] = list
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	if _, err := suppolicy.ParsePolicyBody(b); err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	f := &suppolicy.PolicyFile{Body: b}
	ss, err := readSigners(signers)
	if err != nil {
		return err
	}
	for _, s := range ss {
		if err := f.Sign(ed25519.NewKeyFromSeed(s.Seed())); err != nil {
			return err
		}
	}
	enc, err := f.MarshalBinary()
	if err != nil {
		return err
	}
	if err := os.WriteFile(*outPath, enc, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "policy %s: %d bytes, %d signature(s)\n", *outPath, len(enc), len(ss))
	return nil
}
