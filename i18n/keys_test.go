package i18n

// Every translation key the program can use is written out in full in a .go file or a
// template (keys are never built by concatenation: stored words map to keys through
// explicit maps, see handlers/i18n_keys.go). This test finds those keys and checks each
// one exists in every catalog; it also fails on a key built at runtime and on a catalog
// key nothing uses.

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"text/template/parse"
)

// keyShape is what a key looks like: a namespace, a dot, then words ("admin.col_when",
// "audit.product.create").
var keyShape = regexp.MustCompile(`^[a-z][a-z0-9]*(\.[a-z0-9_]+)+$`)

// keyScan collects the keys found in source files.
type keyScan struct {
	namespaces map[string]bool     // first segment of every catalog key: "admin", "flash", …
	uses       map[string][]string // key → where it was seen (file:line)
	built      []string            // places where a key is built at runtime
	actions    map[string]string   // audit action code → where it is written
}

func newKeyScan() *keyScan {
	ns := map[string]bool{}
	for _, lang := range Languages() {
		for _, k := range Keys(lang) {
			first, _, _ := strings.Cut(k, ".")
			ns[first] = true
		}
	}
	return &keyScan{namespaces: ns, uses: map[string][]string{}, actions: map[string]string{}}
}

// looksLikeKey: the key shape, in a namespace the catalogs use. Other dotted strings
// ("schema.sql", "recharge.db") are not keys.
func (s *keyScan) looksLikeKey(v string) bool {
	first, _, _ := strings.Cut(v, ".")
	return keyShape.MatchString(v) && s.namespaces[first]
}

// startsLikeKey: a string beginning with a catalog namespace and a dot, the head of a
// key being built ("flash.admin_module_" + name).
func (s *keyScan) startsLikeKey(v string) bool {
	first, _, ok := strings.Cut(v, ".")
	return ok && s.namespaces[first]
}

func (s *keyScan) use(key, where string) { s.uses[key] = append(s.uses[key], where) }

// keyArg is the position of the key among a translating call's arguments: i18n.T(lang,
// key), tr(c, key), s.flash(c, kind, key). -1: not a translating call.
func keyArg(call *ast.CallExpr) int {
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		switch fn.Name {
		case "T", "tr": // T inside package i18n
			return 1
		}
	case *ast.SelectorExpr:
		switch {
		case fn.Sel.Name == "T":
			if x, ok := fn.X.(*ast.Ident); ok && x.Name == "i18n" {
				return 1
			}
		case fn.Sel.Name == "flash":
			return 2
		}
	}
	return -1
}

// scanGo records the keys of one Go source file: the literal key of every translating
// call, and every string literal shaped like a key in a catalog namespace (keys kept in
// maps, variables, result structs: "dedipass.msg_credited"). Audit action codes share
// that shape ("product.create", "wallet.adjust") and are not keys: the arguments of an
// Audit call, the values assigned to a variable named action and the keys of map
// literals (the stored words of handlers/i18n_keys.go) are skipped.
func (s *keyScan) scanGo(path string, src []byte) error {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	skip := map[*ast.BasicLit]bool{}
	where := func(n ast.Node) string { return fset.Position(n.Pos()).String() }
	str := func(e ast.Expr) (*ast.BasicLit, string, bool) {
		bl, ok := e.(*ast.BasicLit)
		if !ok || bl.Kind != token.STRING {
			return nil, "", false
		}
		v, err := strconv.Unquote(bl.Value)
		return bl, v, err == nil
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if fn, ok := n.Fun.(*ast.SelectorExpr); ok && fn.Sel.Name == "Audit" {
				for i, a := range n.Args {
					if bl, v, ok := str(a); ok {
						skip[bl] = true
						if i == 2 { // Audit(ctx, actorID, action, target, details, ip)
							s.actions[v] = where(a)
						}
					}
				}
			}
			if fn, ok := n.Fun.(*ast.SelectorExpr); ok && strings.HasPrefix(fn.Sel.Name, "Sprint") && len(n.Args) > 0 {
				if _, v, ok := str(n.Args[0]); ok && s.startsLikeKey(v) {
					s.built = append(s.built, where(n)+": key formatted at runtime: "+v)
				}
			}
			if i := keyArg(n); i >= 0 && i < len(n.Args) {
				switch a := n.Args[i].(type) {
				case *ast.BasicLit:
					if bl, v, ok := str(a); ok {
						skip[bl] = true
						s.use(v, where(a))
					}
				case *ast.BinaryExpr:
					s.built = append(s.built, where(a)+": key built by concatenation")
				}
			}
		case *ast.AssignStmt:
			for i, l := range n.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Name == "action" && i < len(n.Rhs) {
					if bl, v, ok := str(n.Rhs[i]); ok {
						skip[bl] = true
						s.actions[v] = where(bl)
					}
				}
			}
		case *ast.CompositeLit:
			if _, ok := n.Type.(*ast.MapType); ok {
				for _, e := range n.Elts {
					if kv, ok := e.(*ast.KeyValueExpr); ok {
						if bl, _, ok := str(kv.Key); ok {
							skip[bl] = true
						}
					}
				}
			}
		case *ast.BinaryExpr:
			if n.Op == token.ADD {
				for _, side := range []ast.Expr{n.X, n.Y} {
					if _, v, ok := str(side); ok && s.startsLikeKey(v) {
						s.built = append(s.built, where(n)+": key built by concatenation: "+v+"…")
					}
				}
			}
		case *ast.BasicLit:
			if _, v, ok := str(n); ok && !skip[n] && s.looksLikeKey(v) {
				s.use(v, where(n))
			}
		}
		return true
	})
	return nil
}

// scanTemplate records the keys of one template: the literal key of every {{t .Lang
// "key"}} call and every string shaped like a key. A key argument built with print or
// printf is reported.
func (s *keyScan) scanTemplate(path string, src []byte) error {
	tree := parse.New(path)
	tree.Mode = parse.SkipFuncCheck
	trees := map[string]*parse.Tree{}
	if _, err := tree.Parse(string(src), "", "", trees); err != nil {
		return err
	}
	lines := string(src)
	where := func(n parse.Node) string {
		return fmt.Sprintf("%s:%d", path, 1+strings.Count(lines[:int(n.Position())], "\n"))
	}
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case nil:
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.TemplateNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				walk(c)
			}
		case *parse.ChainNode:
			walk(n.Node)
		case *parse.CommandNode:
			var keyNode parse.Node
			if len(n.Args) > 0 {
				if id, ok := n.Args[0].(*parse.IdentifierNode); ok {
					switch id.Ident {
					case "t":
						if len(n.Args) > 2 {
							if sn, ok := n.Args[2].(*parse.StringNode); ok {
								keyNode = sn
								s.use(sn.Text, where(sn))
							}
						}
					case "print", "printf":
						for _, a := range n.Args[1:] {
							if sn, ok := a.(*parse.StringNode); ok && s.startsLikeKey(sn.Text) {
								s.built = append(s.built, where(n)+": key built with "+id.Ident+": "+sn.Text+"…")
							}
						}
					}
				}
			}
			for _, a := range n.Args {
				if sn, ok := a.(*parse.StringNode); ok {
					if a != keyNode && s.looksLikeKey(sn.Text) {
						s.use(sn.Text, where(sn))
					}
					continue
				}
				walk(a)
			}
		}
	}
	for _, t := range trees {
		walk(t.Root)
	}
	return nil
}

// scanTree scans every non-test .go file under root and every template under root/views.
func (s *keyScan) scanTree(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		switch {
		case strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go"):
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return s.scanGo(rel, src)
		case strings.HasSuffix(path, ".html") && strings.HasPrefix(rel, "views"+string(filepath.Separator)):
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return s.scanTemplate(rel, src)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// unnamedActions lists the audit action codes whose key "audit.<code>" is written
// nowhere (the audit page would show the bare code).
func (s *keyScan) unnamedActions() []string {
	var out []string
	for action, at := range s.actions {
		if _, ok := s.uses["audit."+action]; !ok {
			out = append(out, fmt.Sprintf("%s: audit action %q has no key audit.%s (handlers/i18n_keys.go auditKeys)", at, action, action))
		}
	}
	sort.Strings(out)
	return out
}

// missing lists the keys used but absent from a catalog, one line each.
func (s *keyScan) missing() []string {
	var out []string
	for key, at := range s.uses {
		for _, lang := range Languages() {
			if _, ok := catalogs[lang][key]; !ok {
				out = append(out, fmt.Sprintf("%s: key %q missing in %s", at[0], key, lang))
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestEveryUsedKeyIsInEveryCatalog(t *testing.T) {
	s := newKeyScan()
	s.scanTree(t, "..")
	if len(s.uses) < 200 {
		t.Fatalf("the scanner found only %d keys: it is not looking where the keys are", len(s.uses))
	}
	for _, m := range s.missing() {
		t.Error(m)
	}
	if len(s.actions) < 10 {
		t.Errorf("the scanner found only %d audit actions: %v", len(s.actions), s.actions)
	}
	for _, a := range s.unnamedActions() {
		t.Error(a)
	}
	for _, b := range s.built {
		t.Error(b + " (write the key in full, e.g. through a map from the stored word to its key)")
	}
	for _, lang := range Languages() {
		for _, k := range Keys(lang) {
			if _, ok := s.uses[k]; !ok {
				t.Errorf("key %q of %s is used nowhere: delete it from every catalog", k, lang)
			}
		}
	}
}

// TestKeyScannerCatches: the scanner reports a missing key and a built one in each kind
// of file, so a silent scanner cannot pass the test above.
func TestKeyScannerCatches(t *testing.T) {
	s := newKeyScan()
	goSrc := `package x
var known = map[string]string{"product.create": "admin.col_when"}
func f(c any, name string) {
	tr(c, "nav.no_such_go_key")
	_ = i18n.T("fr", "Not a key at all")
	s.flash(c, "success", "flash.no_such_flash")
	key := "dedipass.no_such_var_key"
	_ = "flash.admin_module_" + name
	_ = fmt.Sprintf("error.title_%d", 404)
	_ = "schema.sql"
	s.Store.Audit(ctx, 1, "wallet.no_such_action", "", "", "")
}`
	if err := s.scanGo("x.go", []byte(goSrc)); err != nil {
		t.Fatal(err)
	}
	tmpl := `{{define "x"}}<p>{{t .Lang "nav.no_such_tmpl_key"}}</p>
{{if .A}}{{range .L}}{{t $.Lang (print "admin.status_" .)}}{{end}}{{end}}
{{with .B}}{{t $.Lang (printf "fund.kind_%s" .Kind)}}{{end}}
{{template "partials/pager" .}}{{t .Lang (payStatusKey .Status)}}{{end}}`
	if err := s.scanTemplate("x.html", []byte(tmpl)); err != nil {
		t.Fatal(err)
	}
	missing := strings.Join(s.missing(), "\n")
	for _, want := range []string{
		`x.go:4:8: key "nav.no_such_go_key" missing in en`,
		`x.go:4:8: key "nav.no_such_go_key" missing in fr`,
		`"Not a key at all" missing in fr`,
		`"flash.no_such_flash" missing in fr`,
		`"dedipass.no_such_var_key" missing in en`,
		`x.html:1: key "nav.no_such_tmpl_key" missing in fr`,
	} {
		if !strings.Contains(missing, want) {
			t.Errorf("scanner did not report %s; it reported:\n%s", want, missing)
		}
	}
	for _, not := range []string{"admin.col_when", "product.create", "schema.sql", "wallet.no_such_action", "partials/pager"} {
		if strings.Contains(missing, `"`+not+`"`) {
			t.Errorf("scanner wrongly reported %s:\n%s", not, missing)
		}
	}
	if got := strings.Join(s.unnamedActions(), "\n"); !strings.Contains(got, `x.go:11:24: audit action "wallet.no_such_action" has no key`) {
		t.Errorf("scanner did not report the audit action without a key; it reported:\n%s", got)
	}
	built := strings.Join(s.built, "\n")
	for _, want := range []string{"x.go:8:", "x.go:9:", "x.html:2: key built with print: admin.status_", "x.html:3: key built with printf: fund.kind_%s"} {
		if !strings.Contains(built, want) {
			t.Errorf("scanner did not report the key built at %s; it reported:\n%s", want, built)
		}
	}
}
