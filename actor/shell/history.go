package shell

// DefaultHistory is how many lines an editor remembers.
const DefaultHistory = 100

// History is the list of lines entered, oldest first, with a cursor for
// walking it with Up and Down. A line the same as the one before it is
// kept once; empty lines are not kept.
type History struct {
	Max int // entries kept; the oldest go first

	lines []string
	at    int    // the entry shown; len(lines) is the line being typed
	draft string // the line being typed, kept while walking the history
}

// Add appends line, dropping the oldest entry when full.
func (h *History) Add(line string) {
	if line == "" || (len(h.lines) > 0 && h.lines[len(h.lines)-1] == line) {
		return
	}
	h.lines = append(h.lines, line)
	if h.Max > 0 && len(h.lines) > h.Max {
		h.lines = append(h.lines[:0], h.lines[len(h.lines)-h.Max:]...)
	}
}

// Lines returns the entries, oldest first.
func (h *History) Lines() []string { return append([]string(nil), h.lines...) }

// Reset puts the cursor after the newest entry, for a new line.
func (h *History) Reset() { h.at, h.draft = len(h.lines), "" }

// Prev moves to the older entry and returns it; current is the line as
// the editor shows it, kept when leaving the line being typed. It reports
// false at the oldest entry.
func (h *History) Prev(current string) (string, bool) {
	if h.at == 0 {
		return "", false
	}
	if h.at == len(h.lines) {
		h.draft = current
	}
	h.at--
	return h.lines[h.at], true
}

// Next moves to the newer entry and returns it, or the line that was being
// typed after the newest. It reports false when already there.
func (h *History) Next(string) (string, bool) {
	if h.at >= len(h.lines) {
		return "", false
	}
	h.at++
	if h.at == len(h.lines) {
		return h.draft, true
	}
	return h.lines[h.at], true
}
