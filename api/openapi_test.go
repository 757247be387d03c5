package api_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestOpenAPIDocument checks that /api/schema/ serves, without
// authentication, a valid OpenAPI 3.1 document.
func TestOpenAPIDocument(t *testing.T) {
	e := setup(t, "sqlite")
	for _, path := range []string{"/api/schema/", "/api/schema"} {
		r := e.do("GET", path, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("GET %s: Content-Type %q, want application/json", path, ct)
		}
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(r.Body)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		if doc.OpenAPI != "3.1.0" || !doc.IsOpenAPI31OrLater() {
			t.Errorf("GET %s: openapi %q, want 3.1.0", path, doc.OpenAPI)
		}
		if err := doc.Validate(loader.Context); err != nil {
			t.Errorf("GET %s: invalid document: %v", path, err)
		}
		// Validate checks the examples of media types, not those of schemas.
		for name, ref := range doc.Components.Schemas {
			for i, example := range ref.Value.Examples {
				if err := ref.Value.VisitJSON(example, openapi3.EnableJSONSchema2020()); err != nil {
					t.Errorf("GET %s: example %d of schema %s: %v", path, i, name, err)
				}
			}
		}
	}
}

// routeMethods reads routes.go: every path it routes, as the document
// writes it, with the methods its handler takes.
func routeMethods(t *testing.T) map[string][]string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "routes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	routes := map[string][]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) != 2 {
			return true
		}
		var name string
		switch fn := call.Fun.(type) {
		case *ast.Ident:
			name = fn.Name // route(path, handler)
		case *ast.SelectorExpr:
			name = fn.Sel.Name // mux.Handle(pattern, handler)
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if (name != "route" && name != "Handle") || !ok || lit.Kind != token.STRING {
			return true
		}
		path, _ := strconv.Unquote(lit.Value)
		if path == "/" {
			return false // the JSON 404 of every other path
		}
		// A handler given a methods{...} takes those methods; the service
		// endpoints take GET.
		methods := []string{}
		ast.Inspect(call.Args[1], func(n ast.Node) bool {
			cl, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			if id, ok := cl.Type.(*ast.Ident); !ok || id.Name != "methods" {
				return true
			}
			for _, elt := range cl.Elts {
				key, _ := strconv.Unquote(elt.(*ast.KeyValueExpr).Key.(*ast.BasicLit).Value)
				methods = append(methods, key)
			}
			return false
		})
		if len(methods) == 0 {
			methods = []string{"GET"}
		}
		if slices.Contains(methods, "GET") {
			methods = append(methods, "HEAD")
		}
		methods = append(methods, "OPTIONS")
		sort.Strings(methods)
		routes[strings.TrimSuffix(path, "{$}")] = methods
		return false
	})
	if len(routes) < 10 {
		t.Fatalf("read only %d routes from routes.go", len(routes))
	}
	return routes
}

// TestOpenAPICoversRoutes checks that the document lists every route of
// routes.go with exactly the methods the server takes, and nothing else.
func TestOpenAPICoversRoutes(t *testing.T) {
	e := setup(t, "sqlite")
	doc, _, err := loadOpenAPI(e.api)
	if err != nil {
		t.Fatal(err)
	}
	routes := routeMethods(t)
	for path, methods := range routes {
		item := doc.Paths.Value(path)
		if item == nil {
			t.Errorf("routes.go serves %s, the document does not list it", path)
			continue
		}
		var documented []string
		for method := range item.Operations() {
			documented = append(documented, method)
		}
		sort.Strings(documented)
		if !slices.Equal(documented, methods) {
			t.Errorf("%s: the document lists %v, the server takes %v", path, documented, methods)
		}
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		if _, ok := routes[path]; !ok {
			t.Errorf("the document lists %s, routes.go does not serve it", path)
		}
	}
}

// TestOpenAPIEveryPath sends every path of the document the methods that
// no other test may send (HEAD, OPTIONS, one it does not take), with and
// without the final slash, so that env.do checks those answers against the
// document too.
func TestOpenAPIEveryPath(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		p, w, task := alice.tree()
		doc, _, err := loadOpenAPI(e.api)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]int64{"/api/projects/": p, "/api/workflows/": w, "/api/tasks/": task}
		for _, tmpl := range doc.Paths.InMatchingOrder() {
			path := tmpl
			for prefix, id := range ids {
				path = strings.Replace(path, prefix+"{id}/", prefix+strconv.FormatInt(id, 10)+"/", 1)
			}
			path = strings.Replace(path, "{file}", "swagger-ui.css", 1)
			item := doc.Paths.Value(tmpl)
			paths := []string{path}
			if p := strings.TrimSuffix(path, "/"); p != path {
				paths = append(paths, p)
			}
			for _, path := range paths {
				for _, method := range []string{"OPTIONS", "HEAD", "TRACE", "PUT", "DELETE"} {
					if method == "PUT" && item.Put != nil || method == "DELETE" && item.Delete != nil {
						continue // a write no other request here would expect
					}
					for _, who := range []string{"anonymous", "alice"} {
						var r *response
						if who == "alice" {
							r = alice.do(method, path, nil)
						} else {
							r = e.do(method, path, nil)
						}
						if r.Status == http.StatusInternalServerError {
							t.Errorf("%s %s as %s: %d %s", method, path, who, r.Status, r.Body)
						}
					}
				}
			}
		}
		// HEAD answers as GET, errors included; OPTIONS passes the same
		// checks before the method's.
		etag := alice.do("GET", jsonf("/api/projects/%d/", p), nil).Header.Get("ETag")
		for _, c := range []struct {
			method, path string
			status       int
			headers      []string
		}{
			{"HEAD", "/api/tasks/?status=bogus", 400, nil},
			{"HEAD", "/api/tasks/?page=9", 404, nil},
			{"HEAD", "/api/workflows/?cursor=nonsense", 404, nil},
			{"HEAD", jsonf("/api/projects/%d/", p), 304, []string{"If-None-Match", etag}},
			{"HEAD", "/api/projects/999999/stats/", 404, nil},
			{"HEAD", "/api/docs/nothing.js", 404, nil},
			{"OPTIONS", "/api/projects/1.5/", 404, nil},
			{"OPTIONS", "/api/projects/1.5/stats/", 404, nil},
			{"OPTIONS", "/api/tasks/999999/", 200, nil},
		} {
			if r := alice.do(c.method, c.path, nil, c.headers...); r.Status != c.status {
				t.Errorf("%s %s: %d, want %d", c.method, c.path, r.Status, c.status)
			}
		}
		asset := e.do("GET", "/api/docs/swagger-ui.css", nil)
		e.do("GET", "/api/docs/swagger-ui.css", nil, "If-None-Match", asset.Header.Get("ETag")).want(t, 304, "")
		// Unclean paths, dotted ids and unknown paths are the generic 404.
		for _, path := range []string{"/api/nothing/", "/api/projects//", "/api/projects/1.5/", "/api/projects/x/stats/",
			"/api/", "/api", "/api/docs/nothing.js", "/api/docs/swagger-ui.css.gz"} {
			alice.do("GET", path, nil).want(t, 404, `{"detail":"Not found."}`)
		}
	})
}

// TestDocsPage checks that /api/docs/ is Swagger UI whose every asset
// FlowTrack serves itself, so it works with no internet.
func TestDocsPage(t *testing.T) {
	e := setup(t, "sqlite")
	for _, path := range []string{"/api/docs/", "/api/docs"} {
		r := e.do("GET", path, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("GET %s: Content-Type %q, want HTML", path, ct)
		}
		page := string(r.Body)
		if !strings.Contains(page, `id="swagger-ui"`) || !strings.Contains(page, `"/api/schema/"`) {
			t.Errorf("GET %s: not Swagger UI on /api/schema/:\n%s", path, page)
		}
		refs := regexp.MustCompile(`(?:href|src)="([^"]*)"`).FindAllStringSubmatch(page, -1)
		if len(refs) < 4 {
			t.Errorf("GET %s: only %d assets referenced", path, len(refs))
		}
		want := map[string]string{".css": "text/css", ".js": "application/javascript", ".png": "image/png"}
		for _, m := range refs {
			asset := m[1]
			if !strings.HasPrefix(asset, "/api/docs/") {
				t.Errorf("GET %s: asset %q is not served by FlowTrack", path, asset)
				continue
			}
			a := e.do("GET", asset, nil)
			ct := a.Header.Get("Content-Type")
			if a.Status != http.StatusOK || len(a.Body) == 0 || !strings.HasPrefix(ct, want[asset[strings.LastIndex(asset, "."):]]) {
				t.Errorf("GET %s: %d, Content-Type %q, %d bytes", asset, a.Status, ct, len(a.Body))
			}
		}
	}
}
