package db

import (
	"strings"
	"testing"
)

// A PostgreSQL URL is shown (logs, messages) without its password.
func TestRedactDSN(t *testing.T) {
	got := redactDSN("postgres://app:s3cret-pw@db.example:5432/recharge?sslmode=require")
	if strings.Contains(got, "s3cret-pw") || !strings.Contains(got, "db.example:5432/recharge") {
		t.Fatalf("redacted: %s", got)
	}
	if got := redactDSN("postgres://%zz"); strings.Contains(got, "%zz") {
		t.Fatalf("unparsable URL shown: %s", got)
	}
}
