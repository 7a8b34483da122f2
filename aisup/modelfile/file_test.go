package modelfile

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"testing"

	"clk/aisup/classify"
	"clk/aisup/ngram"
)

func testKey(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(name))
	return ed25519.NewKeyFromSeed(seed[:])
}

func pub(k ed25519.PrivateKey) [ed25519.PublicKeySize]byte {
	return [ed25519.PublicKeySize]byte(k.Public().(ed25519.PublicKey))
}

func ngramFile(t testing.TB, keys ...ed25519.PrivateKey) []byte {
	t.Helper()
	m, err := ngram.Train(3, [][]uint16{{1, 2, 3, 4, 1, 2, 3, 5}})
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := m.MarshalBinary()
	f := &File{Kind: NGram, Trained: 1_800_000_000, Module: "kv", Payload: payload}
	for _, k := range keys {
		if err := f.Sign(k); err != nil {
			t.Fatal(err)
		}
	}
	b, err := f.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestASignedModelLoads(t *testing.T) {
	trainer := testKey("trainer")
	b := ngramFile(t, testKey("other"), trainer)
	f, err := Verify(b, [][32]byte{pub(trainer)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.NGram()
	if err != nil {
		t.Fatal(err)
	}
	if u, n := m.Unseen([]uint16{1, 2, 3, 5}); u != 0 || n != 2 || f.Module != "kv" {
		t.Fatalf("model read back: %d unseen of %d, module %q", u, n, f.Module)
	}
	if _, err := f.Classifier(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("an n-gram model decoded as a classifier: %v", err)
	}
}

func TestTamperedWeightsAreRefused(t *testing.T) {
	trainer := testKey("trainer")
	trusted := [][32]byte{pub(trainer)}
	good := ngramFile(t, trainer)
	// Every byte before the signature count is covered: flip each.
	end := len(good) - 2 - 96
	for i := 0; i < end; i++ {
		b := bytes.Clone(good)
		b[i] ^= 0x01
		if _, err := Verify(b, trusted); err == nil {
			t.Fatalf("byte %d flipped: the file verified", i)
		} else if i >= 17+2+4 && !errors.Is(err, ErrBadSignature) {
			t.Fatalf("a flipped weight (byte %d): %v, want a bad signature", i, err)
		}
	}
	if _, err := Verify(ngramFile(t), trusted); !errors.Is(err, ErrUnsigned) {
		t.Fatalf("unsigned: %v", err)
	}
	if _, err := Verify(ngramFile(t, testKey("mallory")), trusted); !errors.Is(err, ErrUnsigned) {
		t.Fatalf("signed by a stranger: %v", err)
	}
}

func TestAClassifierRoundTrips(t *testing.T) {
	m, err := classify.Train([]string{"faults"}, [][]float64{{0}, {1}, {50}, {60}}, []bool{false, false, true, true}, classify.TrainConfig{Epochs: 100})
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := m.MarshalBinary()
	f := &File{Kind: Classifier, Module: "*", Payload: payload}
	f.Sign(testKey("trainer"))
	b, _ := f.MarshalBinary()
	g, err := Verify(b, [][32]byte{pub(testKey("trainer"))})
	if err != nil {
		t.Fatal(err)
	}
	c, err := g.Classifier()
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Probability([]float64{55}, nil); p < 0.5 {
		t.Fatalf("55 faults: p %v after the round trip", p)
	}
}

// FuzzParseModelFile feeds model files to Verify and to both model
// decoders: no panic, refusals wrap a cause, and an envelope that parses
// encodes back to its bytes.
func FuzzParseModelFile(f *testing.F) {
	trainer := testKey("trainer")
	f.Add(ngramFile(f, trainer))
	f.Add(ngramFile(f))
	trusted := [][32]byte{pub(trainer)}
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := Verify(b, trusted); err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsigned) && !errors.Is(err, ErrBadSignature) {
			t.Fatalf("refusal without its cause: %v", err)
		}
		file, err := Parse(b)
		if err != nil {
			return
		}
		again, err := file.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("file does not encode back to its bytes: %v", err)
		}
		if _, err := file.NGram(); err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ngram.ErrBadModel) {
			t.Fatalf("n-gram payload refused without its cause: %v", err)
		}
		if _, err := file.Classifier(); err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, classify.ErrBadModel) {
			t.Fatalf("classifier payload refused without its cause: %v", err)
		}
	})
}
