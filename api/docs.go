package api

import (
	_ "embed"
	"io/fs"
	"net/http"
	"strings"

	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5/static"
	"github.com/swaggest/swgui/v5emb"
)

// openAPIDocument is the OpenAPI 3.1 description of this API. The tests
// check every response they get against it, so it cannot drift from the
// server unnoticed.
//
//go:embed openapi.json
var openAPIDocument []byte

// docsPath is where the interactive docs are served.
const docsPath = "/api/docs/"

// docsUI is Swagger UI with its assets embedded in the binary, so the docs
// work with no internet.
var docsUI = v5emb.NewHandlerWithConfig(swgui.Config{
	Title:       "FlowTrack API",
	SwaggerJSON: "/api/schema/",
	BasePath:    docsPath,
})

// handleSchema answers the OpenAPI document.
func handleSchema(w http.ResponseWriter, r *request) error {
	writeBody(w, http.StatusOK, openAPIDocument)
	return nil
}

// handleDocs answers the Swagger UI page.
func handleDocs(w http.ResponseWriter, r *request) error {
	docsUI.ServeHTTP(w, r.Request)
	return nil
}

// handleDocsAsset answers an asset of the Swagger UI page, or the API's
// JSON 404 for a name that is not one.
func handleDocsAsset(w http.ResponseWriter, r *request) error {
	if !isDocsAsset(r.PathValue("file")) {
		return errNotFound
	}
	docsUI.ServeHTTP(w, r.Request)
	return nil
}

// isDocsAsset tells whether name is a file the docs page may load; the
// embedded files are stored as is or gzipped.
func isDocsAsset(name string) bool {
	if name == "" || strings.HasSuffix(name, ".gz") || !fs.ValidPath(name) {
		return false
	}
	for _, file := range []string{name, name + ".gz"} {
		if info, err := fs.Stat(static.FS, file); err == nil && !info.IsDir() {
			return true
		}
	}
	return false
}
