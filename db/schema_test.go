package db

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

var (
	tableRe = regexp.MustCompile(`(?s)CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\n\);`)
	indexRe = regexp.MustCompile(`CREATE (?:UNIQUE )?INDEX IF NOT EXISTS (\w+) ON (\w+)`)
)

// shape lists each table's columns in order and each index with its table.
func shape(schema string) (tables map[string][]string, indexes map[string]string) {
	tables, indexes = map[string][]string{}, map[string]string{}
	for _, m := range tableRe.FindAllStringSubmatch(schema, -1) {
		for _, line := range strings.Split(m[2], "\n") {
			f := strings.Fields(strings.TrimSpace(line))
			if len(f) > 1 && !strings.HasPrefix(f[0], "--") {
				tables[m[1]] = append(tables[m[1]], f[0])
			}
		}
	}
	for _, m := range indexRe.FindAllStringSubmatch(schema, -1) {
		indexes[m[1]] = m[2]
	}
	return tables, indexes
}

// The two engines' schemas are the same tables, columns (in order) and indexes: only
// the spelling of types and keys may differ.
func TestSchemasAgree(t *testing.T) {
	lt, li := shape(schemaSQLite)
	pt, pi := shape(schemaPostgres)
	if len(lt) < 10 || len(li) < 10 {
		t.Fatalf("parsed %d tables, %d indexes from schema.sql", len(lt), len(li))
	}
	if !reflect.DeepEqual(lt, pt) {
		t.Errorf("tables differ:\nsqlite   %v\npostgres %v", lt, pt)
	}
	if !reflect.DeepEqual(li, pi) {
		t.Errorf("indexes differ:\nsqlite   %v\npostgres %v", li, pi)
	}
}
