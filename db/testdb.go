package db

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// TestDatabaseEnv names the PostgreSQL database the tests run on instead of SQLite
// files (for example postgres://recharge:recharge@127.0.0.1/recharge_test).
const TestDatabaseEnv = "RECHARGE_TEST_DATABASE"

// TestEngine is the engine the tests run on: "postgres" when TestDatabaseEnv is set,
// else "sqlite".
func TestEngine() string {
	if IsPostgres(os.Getenv(TestDatabaseEnv)) {
		return "postgres"
	}
	return "sqlite"
}

// TestDSN gives a test a fresh, empty database: a SQLite file in dir, or, when
// TestDatabaseEnv names a PostgreSQL database, a new schema of that database (the
// returned DSN selects it; drop removes it). For tests and the benchmark only.
func TestDSN(dir, name string) (dsn string, drop func(), err error) {
	base := os.Getenv(TestDatabaseEnv)
	if !IsPostgres(base) {
		return filepath.Join(dir, name+".db"), func() {}, nil
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create test schema: %w", err)
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	drop = func() {
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	}
	return base + sep + "search_path=" + schema, drop, nil
}
