package sandbox

import "testing"

// Issued codes are bounded: past MaxCodes the oldest are forgotten, so a flood of
// "get a test code" cannot grow the server's memory without end.
func TestIssuedCodesAreBounded(t *testing.T) {
	s := New(Options{})
	first := s.IssueCode("1", "1")
	for range MaxCodes + 500 {
		s.IssueCode("1", "1")
	}
	m := s.codes.(*memCodes)
	m.mu.Lock()
	n := len(m.codes)
	m.mu.Unlock()
	if n > MaxCodes {
		t.Fatalf("%d codes kept, want at most %d", n, MaxCodes)
	}
	if s.MarkUsed(first) {
		t.Fatal("the oldest code was kept past the bound")
	}
}
