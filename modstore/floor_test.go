package modstore

import (
	"reflect"
	"testing"
)

func mustVersion(t *testing.T, s string) Version {
	t.Helper()
	v, err := ParseVersion(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestFloorTextRoundTrips(t *testing.T) {
	f := Floor{"kv": mustVersion(t, "2.0.0"), "net": mustVersion(t, "1.10.3")}
	b, err := f.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "kv 2.0.0\nnet 1.10.3\n" {
		t.Fatalf("text form %q", b)
	}
	g, errs := ParseFloor(string(b))
	if len(errs) != 0 || !reflect.DeepEqual(f, g) {
		t.Fatalf("read back %v, %v; want %v", g, errs, f)
	}
}

func TestFloorLineThatDoesNotParseRaisesNothing(t *testing.T) {
	f, errs := ParseFloor("kv 1.0.0\nkv\nnet one\nBad! 1.0.0\nkv 1.2.0 extra\n\nkv 0.9.0\nfs 3.0.0\n")
	want := Floor{"kv": mustVersion(t, "1.0.0"), "fs": mustVersion(t, "3.0.0")}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("floor %v, want %v (a name given twice keeps its higher version)", f, want)
	}
	if len(errs) != 4 {
		t.Errorf("errors %v, want one for each of lines 2 to 5", errs)
	}
}

func TestFloorOnlyRises(t *testing.T) {
	f := Floor{}
	for _, step := range []struct {
		v    string
		rose bool
	}{{"1.0.0", true}, {"1.0.0", false}, {"0.9.9", false}, {"1.10.0", true}, {"1.9.0", false}} {
		if got := f.Raise("kv", mustVersion(t, step.v)); got != step.rose {
			t.Errorf("Raise to %s: %v, want %v", step.v, got, step.rose)
		}
	}
	if f["kv"] != mustVersion(t, "1.10.0") {
		t.Errorf("floor %v, want 1.10.0", f["kv"])
	}
}

func TestReconcileKeepsTheHigherAndNamesEveryDisagreement(t *testing.T) {
	v := func(s string) Version { return mustVersion(t, s) }
	file := Floor{"same": v("1.0.0"), "lowered": v("1.0.0"), "raised": v("3.0.0"), "fileonly": v("1.0.0")}
	chain := Floor{"same": v("1.0.0"), "lowered": v("2.0.0"), "raised": v("2.0.0"), "chainonly": v("4.0.0")}
	got, diffs := Reconcile(file, chain)
	want := Floor{"same": v("1.0.0"), "lowered": v("2.0.0"), "raised": v("3.0.0"), "fileonly": v("1.0.0"), "chainonly": v("4.0.0")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("floor %v, want %v", got, want)
	}
	wantDiffs := []FloorDiff{
		{Name: "chainonly", Chain: v("4.0.0"), HasChain: true},
		{Name: "fileonly", File: v("1.0.0"), HasFile: true},
		{Name: "lowered", File: v("1.0.0"), Chain: v("2.0.0"), HasFile: true, HasChain: true},
		{Name: "raised", File: v("3.0.0"), Chain: v("2.0.0"), HasFile: true, HasChain: true},
	}
	if !reflect.DeepEqual(diffs, wantDiffs) {
		t.Fatalf("disagreements %v, want %v", diffs, wantDiffs)
	}
	for i, kept := range []string{"4.0.0", "1.0.0", "2.0.0", "3.0.0"} {
		if diffs[i].Kept() != v(kept) {
			t.Errorf("%s: kept %v, want %s", diffs[i].Name, diffs[i].Kept(), kept)
		}
	}
	if s := diffs[2].String(); s != "lowered: the file says 1.0.0, the audit log 2.0.0; 2.0.0 kept" {
		t.Errorf("disagreement reads %q", s)
	}
	if s := diffs[0].String(); s != "chainonly: the file says none, the audit log 4.0.0; 4.0.0 kept" {
		t.Errorf("disagreement reads %q", s)
	}
}

func TestReconcileOfAgreeingFloorsFindsNothing(t *testing.T) {
	f := Floor{"kv": mustVersion(t, "2.0.0")}
	got, diffs := Reconcile(f, Floor{"kv": mustVersion(t, "2.0.0")})
	if len(diffs) != 0 || !reflect.DeepEqual(got, f) {
		t.Errorf("floor %v, disagreements %v", got, diffs)
	}
	if _, diffs := Reconcile(Floor{}, Floor{}); len(diffs) != 0 {
		t.Errorf("two empty floors disagree: %v", diffs)
	}
}
