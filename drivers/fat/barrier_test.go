package fat

import (
	"os"
	"strings"
	"testing"
)

// recordingDevice logs, as one letter each, the writes and flushes made
// to it: I for the FSInfo sector, A for the FATs, E for the root
// directory's first cluster, D for other data, F for a flush.
type recordingDevice struct {
	*MemDevice
	g   *geometry
	log strings.Builder
}

func (d *recordingDevice) WriteSectors(p []byte, first int64) error {
	g := d.g
	switch {
	case first == int64(g.fsInfo):
		d.log.WriteByte('I')
	case first >= int64(g.reserved) && first < int64(g.dataStart):
		d.log.WriteByte('A')
	case first >= g.clusterSector(g.rootCluster) && first < g.clusterSector(g.rootCluster)+int64(g.clusterSectors):
		d.log.WriteByte('E')
	default:
		d.log.WriteByte('D')
	}
	return d.MemDevice.WriteSectors(p, first)
}

func (d *recordingDevice) Flush() error {
	d.log.WriteByte('F')
	return nil
}

func TestBarriersFlushBetweenOrderedStepsAndOnlyThen(t *testing.T) {
	dev, fsys := newVolume(t)
	writeFile(t, fsys, "f", make([]byte, 700))
	fsys.Sync()
	rec := &recordingDevice{MemDevice: dev, g: &fsys.g}
	opts := testOptions()
	opts.Barriers = true
	fsys, err := Mount(rec, opts)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := fsys.OpenFile("f", os.O_WRONLY|os.O_APPEND, 0)
	f.Write(make([]byte, 3000)) // new clusters: data, their FAT entries, the link, the entry
	f.Close()
	fsys.Truncate("f", 100) // the entry, then the FAT
	// The first change after Mount marks the volume as changing before
	// it writes anything: FAT[1] in the first FAT, then in the second,
	// then the FSInfo free count.
	log, mark := rec.log.String(), "AFAIF"
	if !strings.HasPrefix(log, mark) {
		t.Fatalf("writes and flushes %q: want them to start with %q", log, mark)
	}
	log = log[len(mark):]
	if !strings.Contains(log, "DFA") || !strings.Contains(log, "AFE") || !strings.Contains(log, "EFA") {
		t.Fatalf("writes and flushes %q: want data, FAT and entry writes each flushed before the next step", log)
	}
	if strings.Contains(log, "FF") {
		t.Fatalf("writes and flushes %q: a flush with nothing written since the last", log)
	}
	for i := 1; i < len(log); i++ {
		if a, b := log[i-1], log[i]; a != 'F' && b != 'F' && a != b {
			t.Fatalf("writes and flushes %q: %c then %c at %d with no flush between", log, a, b, i)
		}
	}
	// Sync writes the free count once the changes are durable, then
	// FAT[1] clean in the second FAT and last in the first.
	rec.log.Reset()
	fsys.Sync()
	if log, want := rec.log.String(), "IFAFAF"; log != want {
		t.Fatalf("Sync writes and flushes %q, want %q", log, want)
	}
}
