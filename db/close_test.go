package db

import (
	"context"
	"path/filepath"
	"testing"
)

// A query on a closed store is an error, never a panic (a late request after
// shutdown used to crash the whole process on a nil prepared statement).
func TestQueryAfterCloseIsAnError(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Close()
	if _, err := s.Settings(context.Background()); err == nil {
		t.Fatal("no error after Close")
	}
}
