package api

import (
	"net/http"
	"strings"
)

// routes shows the whole HTTP surface of FlowTrack's API.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	route := func(path string, h http.Handler) {
		// Every path is served with and without its final slash, never
		// redirected, so a POST keeps its body.
		mux.Handle(path+"{$}", h)
		mux.Handle(strings.TrimSuffix(path, "/"), h)
	}

	route("/api/auth/register/", s.public("Register", s.gate(s.registrationOpen), methods{"POST": s.handleRegister}))
	route("/api/auth/login/", s.public("Token Obtain Pair", nil, methods{"POST": s.handleLogin}))
	route("/api/auth/refresh/", s.public("Token Refresh", nil, methods{"POST": s.handleRefresh}))
	route("/api/auth/verify/", s.public("Token Verify", nil, methods{"POST": s.handleVerify}))
	route("/api/auth/logout/", s.public("Token Blacklist", nil, methods{"POST": s.handleLogout}))
	route("/api/auth/me/", s.private("Me", methods{"GET": s.handleMe, "PATCH": s.handleMeUpdate}))
	route("/api/auth/password/", s.private("Password Change", methods{"POST": s.handlePasswordChange}))

	route("/api/projects/", s.owned("Project List", methods{"GET": projects.handleList, "POST": projects.handleCreate}))
	route("/api/projects/{id}/", s.lookup("Project Instance", methods{
		"GET": projects.handleGet, "PUT": projects.handleUpdate(true), "PATCH": projects.handleUpdate(false), "DELETE": projects.handleDelete}))
	route("/api/projects/{id}/stats/", s.lookup("Project Stats", methods{"GET": handleProjectStats}))
	route("/api/workflows/", s.owned("Workflow List", methods{"GET": workflows.handleList, "POST": workflows.handleCreate}))
	route("/api/workflows/{id}/", s.lookup("Workflow Instance", methods{
		"GET": workflows.handleGet, "PUT": workflows.handleUpdate(true), "PATCH": workflows.handleUpdate(false), "DELETE": workflows.handleDelete}))
	route("/api/tasks/", s.owned("Task List", methods{"GET": tasks.handleList, "POST": tasks.handleCreate}))
	route("/api/tasks/{id}/", s.lookup("Task Instance", methods{
		"GET": tasks.handleGet, "PUT": tasks.handleUpdate(true), "PATCH": tasks.handleUpdate(false), "DELETE": tasks.handleDelete}))

	route("/api/schema/", s.public("Schema", nil, methods{"GET": handleSchema}))
	route("/api/docs/", s.public("Docs", nil, methods{"GET": handleDocs}))
	mux.Handle("/api/docs/{file}", s.public("Docs Asset", nil, methods{"GET": handleDocsAsset}))

	mux.Handle("/healthz", s.service(s.handleHealth))
	mux.Handle("/readyz", s.service(s.handleReady))
	mux.Handle("/", s.fail(errNotFound))
	return s.cleanPaths(mux)
}
